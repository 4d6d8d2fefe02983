import { spawnSync } from 'node:child_process';
import Redis from 'ioredis';
import { findFreePort, spawnManaged, waitFor } from './processes';

export const REDIS_MISSING = "redis-server is required for the Redis tests: install it with 'sudo apt-get install -y redis-server'";

/** A throwaway redis-server on its own port, nothing kept on disk. */
/** `password`: require AUTH, as ElastiCache with an auth token does. */
export async function startRedis(opts: { port?: number; password?: string } = {}): Promise<{ url: string; port: number; stop(): Promise<void> }> {
  const bin = ['redis-server', '/usr/bin/redis-server', '/usr/sbin/redis-server'].find((b) => spawnSync(b, ['--version'], { stdio: 'ignore' }).status === 0);
  if (!bin) throw new Error(REDIS_MISSING);
  const port = opts.port || (await findFreePort());
  const proc = spawnManaged(
    bin,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'no',
      ...(opts.password ? ['--requirepass', opts.password] : []),
    ],
    {
      name: 'redis-server',
      logFile: '/dev/null',
    },
  );
  const url = `redis://127.0.0.1:${port}`;
  try {
    await waitFor(
      async () => {
        const client = new Redis(url, {
          password: opts.password,
          lazyConnect: true,
          maxRetriesPerRequest: 0,
          enableOfflineQueue: false,
          retryStrategy: () => null,
        });
        client.on('error', () => {});
        try {
          await client.connect();
          return (await client.ping()) === 'PONG';
        } finally {
          client.disconnect();
        }
      },
      { timeoutMs: 20_000, intervalMs: 100, what: `redis-server on port ${port}`, failFast: proc.exited },
    );
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return { url, port, stop: () => proc.stop() };
}
