import type Redis from 'ioredis';
import { Gauge, type Registry } from 'prom-client';
import type { Logger } from './logger';
import { perRegistry } from './metrics';

/** The optional uses of Redis, one label value each (bounded by this list). */
export type RedisUse = 'cache' | 'subgraph_cache' | 'tmdb_budget' | 'tmdb_caller_share';

export interface RedisAvailabilityOptions {
  use: RedisUse;
  /** How the use names itself in its log lines ("subgraph cache"). */
  name: string;
  /** What it does meanwhile, for the log line ("memory only"). */
  fallback: string;
  logger?: Logger;
  registry?: Registry;
}

const gaugeFor = perRegistry(
  (registry) =>
    new Gauge({
      name: 'marquee_redis_available',
      help: 'Whether the last Redis command of each optional use of Redis worked: 1, or 0 while that use runs on its fallback',
      labelNames: ['use'],
      registers: [registry],
    }),
);

/**
 * "Redis has gone away: log once, fall back, recover", for every use of Redis that can do without
 * it (the cache, the gateway's subgraph-answer cache, the TMDB budgets). The use tries Redis and,
 * on failure, does its fallback (a miss, a no-op, an in-memory bucket) and calls `down`; on
 * success it calls `up`. One warning when Redis goes away and one line when it is back, however
 * many commands fail in between; the gauge marquee_redis_available{use} shows the state.
 * Nothing here retries: the ioredis client reconnects by itself (platform/cache.ts's
 * createRedisClient), and the next command that works is the recovery.
 */
export class RedisAvailability {
  private available = true;
  private readonly gauge;

  constructor(private readonly opts: RedisAvailabilityOptions) {
    this.gauge = gaugeFor(opts.registry);
    this.gauge?.set({ use: opts.use }, 1);
  }

  /** Whether the last command worked (true until one fails). */
  get ok(): boolean {
    return this.available;
  }

  /** A command failed, or Redis is not connected: the use is on its fallback. */
  down(err: unknown): void {
    if (this.available) {
      const reason = err instanceof Error ? err.message : String(err);
      this.opts.logger?.warn({ use: this.opts.use, err: reason }, `${this.opts.name}: redis unavailable; ${this.opts.fallback}`);
      this.gauge?.set({ use: this.opts.use }, 0);
    }
    this.available = false;
  }

  /** A command worked. */
  up(): void {
    if (!this.available) {
      this.opts.logger?.info({ use: this.opts.use }, `${this.opts.name}: redis available again`);
      this.gauge?.set({ use: this.opts.use }, 1);
    }
    this.available = true;
  }

  /**
   * Also follows the client's connection: a lost connection is `down` at once, before any command
   * fails, and a client ready again is `up`. For a client this use owns (a shared client's events
   * say nothing about this use's commands).
   */
  watch(redis: Redis): this {
    redis.on('error', (err: Error) => this.down(err));
    redis.on('ready', () => this.up());
    return this;
  }

  /** Runs `command` against Redis; on failure, `down` and the fallback's answer instead. */
  async attempt<T>(command: () => Promise<T>, fallback: () => T): Promise<T> {
    let result: T;
    try {
      result = await command();
    } catch (err) {
      this.down(err);
      return fallback();
    }
    this.up();
    return result;
  }
}
