import type { LocalServer } from './dynamodb-local';
import { findFreePort } from './processes';

/**
 * fauxqs, an SNS/SQS/S3 emulator spoken to with the AWS SDK's own wire protocol, in this process.
 * Its package exports only an `import` condition, so `require` cannot resolve it even on Node 24:
 * it is loaded with a dynamic import, which TypeScript keeps as one under `module: node20`.
 */
export async function startFauxqs(opts: { port?: number } = {}): Promise<LocalServer> {
  const port = opts.port || (await findFreePort());
  const { startFauxqs: start } = await import('fauxqs');
  const server = await start({ port, host: '127.0.0.1', logger: false, defaultRegion: process.env.AWS_REGION ?? 'us-east-1' });
  return { endpoint: `http://127.0.0.1:${server.port}`, port: server.port, stop: () => server.stop() };
}
