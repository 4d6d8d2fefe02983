import Redis from 'ioredis';
import { LRUCache } from 'lru-cache';
import { Counter, type Registry } from 'prom-client';
import type { Logger } from './logger';
import { RedisAvailability } from './redis-availability';

/**
 * A string key/value cache with TTLs. Redis when REDIS_URL is set (shared by all replicas),
 * else an in-process LRU. A cache is an optimisation: Redis being slow or down must never fail
 * a request, so every Redis error degrades to a miss (reads) or a no-op (writes), is counted,
 * logged once per outage (platform/redis-availability.ts), and Redis is used again as soon as
 * it answers.
 */
export interface Cache {
  getMany(keys: string[]): Promise<(string | null)[]>;
  setMany(entries: { key: string; value: string; ttlSeconds: number }[]): Promise<void>;
  /** Drops entries whose source changed (the feed processor's invalidation); a failure is a no-op, as for writes. */
  deleteMany(keys: string[]): Promise<void>;
  /** Whether the backing store answered its last command. */
  readonly healthy: boolean;
  close(): Promise<void>;
}

export class MemoryCache implements Cache {
  private readonly lru: LRUCache<string, string>;
  readonly healthy = true;
  constructor(maxEntries = 50_000) {
    this.lru = new LRUCache({ max: maxEntries, ttlAutopurge: false });
  }
  async getMany(keys: string[]): Promise<(string | null)[]> {
    return keys.map((k) => this.lru.get(k) ?? null);
  }
  async setMany(entries: { key: string; value: string; ttlSeconds: number }[]): Promise<void> {
    for (const e of entries) this.lru.set(e.key, e.value, { ttl: e.ttlSeconds * 1000 });
  }
  async deleteMany(keys: string[]): Promise<void> {
    for (const k of keys) this.lru.delete(k);
  }
  async close(): Promise<void> {
    this.lru.clear();
  }
}

export interface RedisCacheOptions {
  url: string;
  logger: Logger;
  registry?: Registry;
  /** REDIS_AUTH_TOKEN. */
  password?: string;
  /** A Redis command slower than this counts as a failure and the request goes on without it. */
  commandTimeoutMs?: number;
}

export class RedisCache implements Cache {
  readonly redis: Redis;
  private readonly availability: RedisAvailability;
  private readonly errors?: Counter<'op'>;

  constructor(opts: RedisCacheOptions) {
    this.redis = createRedisClient(opts.url, opts.commandTimeoutMs, opts.password);
    this.availability = new RedisAvailability({
      use: 'cache',
      name: 'cache',
      fallback: 'cache bypassed',
      logger: opts.logger,
      registry: opts.registry,
    }).watch(this.redis);
    if (opts.registry) {
      this.errors = new Counter({
        name: 'marquee_cache_errors_total',
        help: 'Redis cache commands that failed and were bypassed',
        labelNames: ['op'],
        registers: [opts.registry],
      });
    }
  }

  get healthy(): boolean {
    return this.availability.ok && this.redis.status === 'ready';
  }

  async getMany(keys: string[]): Promise<(string | null)[]> {
    if (keys.length === 0) return [];
    return this.availability.attempt(
      () => this.redis.mget(...keys),
      () =>
        this.bypassed(
          'get',
          keys.map(() => null),
        ),
    );
  }

  async setMany(entries: { key: string; value: string; ttlSeconds: number }[]): Promise<void> {
    if (entries.length === 0) return;
    await this.availability.attempt(
      async () => {
        const p = this.redis.pipeline();
        for (const e of entries) p.set(e.key, e.value, 'EX', Math.max(1, Math.round(e.ttlSeconds)));
        const results = await p.exec();
        const firstErr = results?.find(([e]) => e)?.[0];
        if (firstErr) throw firstErr;
      },
      () => this.bypassed('set', undefined),
    );
  }

  async deleteMany(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.availability.attempt(
      async () => void (await this.redis.del(...keys)),
      () => this.bypassed('delete', undefined),
    );
  }

  private bypassed<T>(op: string, answer: T): T {
    this.errors?.inc({ op });
    return answer;
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}

/**
 * A Redis client for optional, latency-sensitive uses (caches, rate limits): commands fail fast
 * instead of queueing while disconnected, and reconnection goes on in the background. Commands
 * issued in the same turn of the event loop (concurrent requests' rate-limit checks and cache
 * reads) go out as one pipeline: one socket write instead of one each.
 */
export function createRedisClient(url: string, commandTimeoutMs = 250, password?: string): Redis {
  return new Redis(url, {
    ...(password ? { password } : {}),
    enableAutoPipelining: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: commandTimeoutMs,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
}

export function createCache(opts: { redisUrl?: string; redisAuthToken?: string; logger: Logger; registry?: Registry }): Cache {
  return opts.redisUrl
    ? new RedisCache({ url: opts.redisUrl, password: opts.redisAuthToken, logger: opts.logger, registry: opts.registry })
    : new MemoryCache();
}
