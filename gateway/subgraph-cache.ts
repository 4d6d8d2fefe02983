import { createHash } from 'node:crypto';
import type Redis from 'ioredis';
import { LRUCache } from 'lru-cache';
import { Counter, type Registry } from 'prom-client';
import type { Logger } from '../platform/logger';
import { perRegistry } from '../platform/metrics';
import { RedisAvailability } from '../platform/redis-availability';

/**
 * The gateway's cache of public subgraph answers, one entry per subgraph fetch (the query
 * plan's operation with its variables). A page with viewer data can never come from the
 * response cache, but its public fetches (a film's catalogue data, the recommendations'
 * rating summaries) are the same for everyone and can: the subgraph says how long with
 * `Cache-Control: public, max-age=N`, and that is the entry's lifetime.
 *
 * Two tiers: an in-process LRU, read synchronously so a hit costs no turn of the event loop
 * (a request's calls to a subgraph are batched within one turn), in front of Redis, shared by
 * every gateway replica. Redis failing is a miss, never a failed request.
 */
export interface CachedAnswer {
  /** The operation's JSON result, as the subgraph sent it. */
  text: string;
  /** Epoch milliseconds after which the subgraph no longer vouches for it. */
  expiresAt: number;
}

export interface SubgraphAnswerCacheOptions {
  redis?: Redis;
  /** Upper bound of the in-process tier (strings counted at 2 bytes a character). */
  memoryBytes?: number;
  prefix?: string;
  registry?: Registry;
  logger?: Logger;
  now?: () => number;
}

/** A cached answer and the whole seconds it has left. */
export interface Hit {
  text: string;
  maxAge: number;
}

/** A hint as Apollo Server's cache control states it. */
export interface Hint {
  maxAge: number;
  scope?: 'PUBLIC' | 'PRIVATE';
}

/**
 * Seconds an answer may be kept, 0 for not at all: only answers any caller may be given (public,
 * with a max-age) and without errors — an error may be transient or depend on the caller.
 */
export function storableFor(hint: Hint, body: { errors?: readonly unknown[] | null }): number {
  if (hint.scope !== 'PUBLIC' || hint.maxAge <= 0) return 0;
  if (body.errors && body.errors.length > 0) return 0;
  return hint.maxAge;
}

/**
 * What a hit adds to the response's cache policy: public, for the whole seconds the entry has
 * left. Less than one second left counts as expired, so a response built on it never claims
 * more freshness than the subgraph gave.
 */
export function remainingHint(entry: CachedAnswer, now: number): Hint | undefined {
  const maxAge = Math.floor((entry.expiresAt - now) / 1000);
  return maxAge >= 1 ? { maxAge, scope: 'PUBLIC' } : undefined;
}

/**
 * Read-your-own-writes. Others may see a public answer up to its max-age old, as the subgraph
 * allows, but a caller who has just written through a subgraph expects to see the write: so
 * for as long as this subgraph's answers may be kept, that caller's fetches from it skip the
 * lookup (and refresh the cache with what they get). Per gateway process: another replica may
 * still give the writer a kept answer, within its max-age.
 */
export class RecentWriters {
  private readonly until = new LRUCache<string, number>({ max: 10_000 });
  private longest = 0;
  constructor(private readonly now: () => number = Date.now) {}

  /** An answer of this subgraph may be kept this long. */
  saw(maxAgeSeconds: number): void {
    if (maxAgeSeconds > this.longest) this.longest = maxAgeSeconds;
  }

  wrote(caller: string): void {
    if (this.longest > 0) this.until.set(caller, this.now() + this.longest * 1000);
  }

  has(caller: string): boolean {
    const until = this.until.get(caller);
    return until !== undefined && until > this.now();
  }
}

const counterFor = perRegistry(
  (registry) =>
    new Counter({
      name: 'marquee_gateway_subgraph_cache_total',
      help: 'Lookups in the subgraph answer cache (operations answered public last time), by result',
      labelNames: ['subgraph', 'result'],
      registers: [registry],
    }),
);

const entityCounterFor = perRegistry(
  (registry) =>
    new Counter({
      name: 'marquee_gateway_entity_cache_total',
      help: 'Entities of _entities fetches looked up in the per-entity cache, by result (hit: answered from the cache, miss: sent to the subgraph)',
      labelNames: ['subgraph', 'result'],
      registers: [registry],
    }),
);

// Redis values are `<expiresAt>\n<text>`: the text is stored as sent, with no JSON around it.
const encode = (e: CachedAnswer) => `${e.expiresAt}\n${e.text}`;
function decode(value: string): CachedAnswer | undefined {
  const nl = value.indexOf('\n');
  const expiresAt = Number(value.slice(0, nl));
  return nl > 0 && Number.isFinite(expiresAt) ? { expiresAt, text: value.slice(nl + 1) } : undefined;
}

export class SubgraphAnswerCache {
  private readonly memory: LRUCache<string, CachedAnswer>;
  private readonly redis: Redis | undefined;
  private readonly prefix: string;
  private readonly counter;
  private readonly entityCounter;
  private readonly now: () => number;
  private readonly availability: RedisAvailability;

  constructor(opts: SubgraphAnswerCacheOptions = {}) {
    this.memory = new LRUCache({ maxSize: opts.memoryBytes ?? 16 * 1024 * 1024, sizeCalculation: (e) => e.text.length * 2 + 64 });
    this.redis = opts.redis;
    this.prefix = opts.prefix ?? 'marquee:sc:';
    this.counter = counterFor(opts.registry);
    this.entityCounter = entityCounterFor(opts.registry);
    this.now = opts.now ?? Date.now;
    // The gateway's Redis client is shared (rate limits too), so only this cache's own commands
    // say whether it is on Redis or on memory only: no watch() of the client's events.
    this.availability = new RedisAvailability({
      use: 'subgraph_cache',
      name: 'subgraph cache',
      fallback: 'memory only',
      logger: opts.logger,
      registry: opts.redis ? opts.registry : undefined,
    });
  }

  /** Whether a memory miss can still be a hit (then finding out takes a Redis round trip). */
  get shared(): boolean {
    return this.redis !== undefined;
  }

  /**
   * The subgraph's URL is part of the key: replicas of one deployment address a subgraph alike,
   * while two deployments sharing a Redis (staging and production, test stacks) never share
   * answers from different data.
   */
  key(subgraph: string, url: string, body: string): string {
    return `${this.prefix}${subgraph}:${createHash('sha256').update(url).update('\n').update(body).digest('base64url')}`;
  }

  /** The in-process tier only: synchronous. */
  peek(key: string): Hit | undefined {
    const entry = this.memory.get(key);
    if (!entry) return undefined;
    const hint = remainingHint(entry, this.now());
    if (!hint) this.memory.delete(key);
    return hint && { text: entry.text, maxAge: hint.maxAge };
  }

  /** Redis, for what the in-process tier does not hold; a Redis hit is kept in memory too. */
  async lookup(key: string): Promise<Hit | undefined> {
    if (!this.redis) return undefined;
    const redis = this.redis;
    const value = await this.availability.attempt(
      () => redis.get(key),
      () => null,
    );
    return this.fromRedis(key, value, this.now());
  }

  /** Redis, for several keys at once (one MGET); a Redis hit is kept in memory too. */
  async lookupMany(keys: readonly string[]): Promise<(Hit | undefined)[]> {
    if (!this.redis || keys.length === 0) return keys.map(() => undefined);
    const redis = this.redis;
    const values = await this.availability.attempt(
      () => redis.mget(...keys),
      () => keys.map(() => null),
    );
    const now = this.now();
    return keys.map((key, i) => this.fromRedis(key, values[i], now));
  }

  /** A value read from Redis as a hit (kept in memory too), or undefined when absent or expired. */
  private fromRedis(key: string, value: string | null | undefined, now: number): Hit | undefined {
    const entry = value === null || value === undefined ? undefined : decode(value);
    const hint = entry && remainingHint(entry, now);
    if (!entry || !hint) return undefined;
    this.memory.set(key, entry);
    return { text: entry.text, maxAge: hint.maxAge };
  }

  store(key: string, text: string, maxAgeSeconds: number): void {
    if (maxAgeSeconds <= 0) return;
    const entry = { text, expiresAt: this.now() + maxAgeSeconds * 1000 };
    this.memory.set(key, entry);
    const redis = this.redis;
    if (redis)
      void this.availability.attempt(
        () => redis.set(key, encode(entry), 'PX', maxAgeSeconds * 1000),
        () => undefined,
      );
  }

  count(subgraph: string, result: 'hit' | 'miss'): void {
    this.counter?.inc({ subgraph, result });
  }

  countEntities(subgraph: string, hits: number, misses: number): void {
    if (hits > 0) this.entityCounter?.inc({ subgraph, result: 'hit' }, hits);
    if (misses > 0) this.entityCounter?.inc({ subgraph, result: 'miss' }, misses);
  }
}
