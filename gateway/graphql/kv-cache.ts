import type Redis from 'ioredis';
import { ErrorsAreMissesCache, InMemoryLRUCache, type KeyValueCache, type KeyValueCacheSetOptions } from '@apollo/utils.keyvaluecache';

/** Apollo's cache interface over Redis, shared by all gateway replicas (APQ, response cache). */
class RedisKeyValueCache implements KeyValueCache<string> {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}
  async get(key: string): Promise<string | undefined> {
    return (await this.redis.get(this.prefix + key)) ?? undefined;
  }
  async set(key: string, value: string, options?: KeyValueCacheSetOptions): Promise<void> {
    const ttl = options?.ttl;
    if (typeof ttl === 'number' && ttl > 0) await this.redis.set(this.prefix + key, value, 'EX', Math.ceil(ttl));
    else await this.redis.set(this.prefix + key, value);
  }
  async delete(key: string): Promise<boolean> {
    return (await this.redis.del(this.prefix + key)) > 0;
  }
}

/**
 * Redis when configured, memory otherwise. Redis errors count as misses, so an outage costs
 * cache hits, never requests.
 */
export function createKeyValueCache(redis: Redis | undefined, prefix: string, maxMemoryBytes = 32 * 1024 * 1024): KeyValueCache<string> {
  if (!redis) return new InMemoryLRUCache<string>({ maxSize: maxMemoryBytes });
  return new ErrorsAreMissesCache(new RedisKeyValueCache(redis, prefix));
}
