import path from 'node:path';
import { randomInt } from 'node:crypto';
import { findFreePort, spawnManaged, waitFor, type ManagedProcess } from '../../local/processes';
import { startStack, type Stack } from '../../local/stack';
import { freshTables, servers, stackEnv } from './env';

const ROOT = path.resolve(__dirname, '..', '..');

/** Another gateway process over a stack's subgraphs and Redis, with `env` over the stack's. */
export async function startExtraGateway(
  stack: Stack,
  name: string,
  env: Record<string, string>,
  logDir: string,
): Promise<{ proc: ManagedProcess; url: string; metricsUrl: string }> {
  const port = await findFreePort();
  const metricsPort = await findFreePort();
  const proc = spawnManaged(process.execPath, ['--import', 'tsx', path.join(ROOT, 'gateway', 'main.ts')], {
    name,
    env: { ...stack.env, GATEWAY_PORT: String(port), METRICS_PORT: String(metricsPort), ...env },
    logFile: path.join(logDir, `${name}.log`),
  });
  const url = `http://127.0.0.1:${port}/graphql`;
  await waitFor(
    () =>
      fetch(url.replace('/graphql', '/health')).then(
        (r) => r.ok,
        () => false,
      ),
    { timeoutMs: 60_000, what: name, failFast: proc.exited },
  );
  return { proc, url, metricsUrl: `http://127.0.0.1:${metricsPort}/metrics` };
}

/**
 * Client addresses for X-Forwarded-For, unique to this run and file: rate-limit buckets live in
 * the run's shared Redis.
 */
export function freshIps(): () => string {
  const net = randomInt(1, 250);
  let host = 0;
  return () => `10.${net}.${Math.floor(++host / 250)}.${host % 250}`;
}

/** The stack's processes on the run's Redis and fresh tables, the gateway behind one proxy hop (TRUST_PROXY=1). */
export async function startStackBehindProxy(env: Record<string, string>, logDir: string): Promise<Stack> {
  return startStack({ randomPorts: true, env: stackEnv({ REDIS_URL: servers().redis, ...(await freshTables()), TRUST_PROXY: '1', ...env }), logDir });
}
