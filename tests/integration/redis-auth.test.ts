import { startRedis } from '../../local/redis';
import { createCache, createRedisClient, type RedisCache } from '../../platform/cache';
import { createLogger } from '../../platform/logger';

/** REDIS_AUTH_TOKEN against a real redis-server that requires AUTH (as ElastiCache with an auth token). */
const PASSWORD = 'a-redis-auth-token-0123456789';
let redis: Awaited<ReturnType<typeof startRedis>>;

beforeAll(async () => {
  redis = await startRedis({ password: PASSWORD });
});
afterAll(async () => {
  await redis?.stop();
});

describe('Redis AUTH', () => {
  it('authenticates with the token, and is refused without it', async () => {
    const withToken = createRedisClient(redis.url, 1000, PASSWORD);
    const without = createRedisClient(redis.url, 1000);
    without.on('error', () => {});
    try {
      await new Promise((r) => withToken.once('ready', r));
      expect(await withToken.set('k', 'v')).toBe('OK');
      await expect(without.get('k')).rejects.toThrow(/NOAUTH|Stream isn't writeable|Connection is closed/);
    } finally {
      withToken.disconnect();
      without.disconnect();
    }
  });

  it('gives the token to the shared cache', async () => {
    const cache = createCache({ redisUrl: redis.url, redisAuthToken: PASSWORD, logger: createLogger('test', 'silent') }) as RedisCache;
    try {
      await new Promise((r) => cache.redis.once('ready', r));
      await cache.setMany([{ key: 'a', value: '1', ttlSeconds: 60 }]);
      expect(await cache.getMany(['a'])).toEqual(['1']);
    } finally {
      await cache.close();
    }
  });
});
