import type Redis from 'ioredis';
import { createRedisClient } from '../../platform/cache';

/**
 * Redis clients for one describe block, disconnected after it. Their errors are swallowed: the
 * tests point them at Redis servers that are down on purpose.
 */
export function redisClients() {
  const clients: Redis[] = [];
  afterAll(() => clients.forEach((c) => c.disconnect()));
  const client = (url: string) => {
    const c = createRedisClient(url);
    c.on('error', () => {});
    clients.push(c);
    return c;
  };
  // The client refuses commands until connected (it never queues them), so a test waits.
  const ready = async (url: string) => {
    const c = client(url);
    if (c.status !== 'ready') await new Promise((r) => c.once('ready', r));
    return c;
  };
  return { client, ready };
}
