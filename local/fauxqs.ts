import { existsSync } from 'node:fs';
import path from 'node:path';
import type { LocalServer } from './dynamodb-local';
import { findFreePort, spawnManaged, waitFor } from './processes';

/**
 * fauxqs, an SNS/SQS emulator spoken to with the AWS SDK's own wire protocol. It is an ES module,
 * so it runs as its own process through its CLI rather than inside ours.
 */
export async function startFauxqs(opts: { port?: number } = {}): Promise<LocalServer> {
  const port = opts.port || (await findFreePort());
  const cli = fauxqsCli();
  const proc = spawnManaged(process.execPath, [cli], {
    name: 'fauxqs',
    env: { ...process.env, FAUXQS_PORT: String(port), FAUXQS_HOST: '127.0.0.1', FAUXQS_LOGGER: 'false', FAUXQS_DEFAULT_REGION: process.env.AWS_REGION ?? 'us-east-1' },
    logFile: '/dev/null',
  });
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitFor(() => fetch(`${endpoint}/health`).then((r) => r.ok), { timeoutMs: 30_000, intervalMs: 100, what: `fauxqs on port ${port}`, failFast: proc.exited });
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return { endpoint, port, stop: proc.stop };
}

/** fauxqs exports only an ESM entry, so its CLI is found on the module search path by hand. */
function fauxqsCli(): string {
  for (const dir of require.resolve.paths('fauxqs') ?? []) {
    const cli = path.join(dir, 'fauxqs', 'dist', 'cli.js');
    if (existsSync(cli)) return cli;
  }
  throw new Error('fauxqs is not installed: run npm install');
}
