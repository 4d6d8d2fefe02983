import type Redis from 'ioredis';
import { LRUCache } from 'lru-cache';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { Logger } from '../logger';
import { RedisAvailability, type RedisUse } from '../redis-availability';
import { TmdbError } from './errors';

/**
 * The global TMDB request budget: a token bucket kept in Redis so that every replica of every service draws from one bucket. A request
 * takes a token or waits in a bounded local queue; past `maxWaitMs` or `maxQueue` it fails
 * with RATE_LIMITED instead of piling up. While Redis is unreachable each process falls back to
 * its own bucket of the same rate (documented: N replicas may then reach N× the rate), says so
 * once (platform/redis-availability.ts) and goes back to the shared bucket when Redis answers.
 * docs/dependencies.md says why this is not rate-limiter-flexible.
 */
export interface Budget {
  acquire(): Promise<void>;
}

// Refill continuously, take one token if there is one, otherwise say how long until there is.
// Time comes from Redis so that replicas with skewed clocks agree.
const TAKE = `
local key = KEYS[1]
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HMGET', key, 'tokens', 'ts')
local tokens = tonumber(state[1]) or capacity
local ts = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + (now - ts) * rate / 1000)
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = math.ceil((1 - tokens) * 1000 / rate)
end
redis.call('HSET', key, 'tokens', tokens, 'ts', now)
redis.call('PEXPIRE', key, 60000)
return wait
`;

export interface BudgetOptions {
  ratePerSecond: number;
  redis?: Redis;
  key?: string;
  maxWaitMs?: number;
  maxQueue?: number;
  registry?: Registry;
  logger?: Logger;
}

/** A token bucket (Redis, or this process while Redis is unreachable): how long until a token, 0 = taken. */
type Take = (key: string) => Promise<number>;

// Any one-second window sees at most the burst plus one second of refill, so the two share
// the limit: a tenth as burst, the rest as steady rate. No window ever exceeds ratePerSecond.
function bucketShape(ratePerSecond: number): { capacity: number; rate: number } {
  const capacity = Math.max(1, Math.floor(ratePerSecond / 10));
  return { capacity, rate: Math.max(0.1, ratePerSecond - capacity) };
}

interface BucketStore {
  redis?: Redis;
  use: RedisUse;
  logger?: Logger;
  registry?: Registry;
}

function tokenBucket(store: BucketStore, ratePerSecond: number, maxLocalKeys: number): Take {
  const { capacity, rate } = bucketShape(ratePerSecond);
  const { redis } = store;
  const availability = new RedisAvailability({
    use: store.use,
    name: store.use === 'tmdb_budget' ? 'tmdb budget' : 'tmdb caller shares',
    fallback: 'this process keeps its own bucket',
    logger: store.logger,
    registry: redis ? store.registry : undefined,
  });
  const local = new LRUCache<string, { tokens: number; ts: number }>({ max: maxLocalKeys });
  const takeLocal = (key: string): number => {
    const now = Date.now();
    const state = local.get(key) ?? { tokens: capacity, ts: now };
    state.tokens = Math.min(capacity, state.tokens + ((now - state.ts) * rate) / 1000);
    state.ts = now;
    local.set(key, state);
    if (state.tokens >= 1) {
      state.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - state.tokens) * 1000) / rate);
  };
  return async (key) => {
    if (!redis) return takeLocal(key);
    // Not connected: no command would go out (no offline queue), so do not try one.
    if (redis.status !== 'ready') {
      availability.down(`redis connection ${redis.status}`);
      return takeLocal(key);
    }
    return availability.attempt(
      async () => Number(await redis.eval(TAKE, 1, key, rate, capacity)),
      () => takeLocal(key),
    );
  };
}

/** Takes a token from `take(key)`, waiting while the wait stays within `maxWaitMs`; false when it would not. */
async function waitFor(take: Take, key: string, maxWaitMs: number): Promise<boolean> {
  const started = Date.now();
  for (;;) {
    const wait = await take(key);
    if (wait === 0) return true;
    if (Date.now() - started + wait > maxWaitMs) return false;
    // A little jitter spreads waiters so they do not all retry at the same instant.
    await new Promise((r) => setTimeout(r, wait + Math.random() * 5));
  }
}

export function createBudget(opts: BudgetOptions): Budget {
  const maxWait = opts.maxWaitMs ?? 5_000;
  const maxQueue = opts.maxQueue ?? 500;
  const key = opts.key ?? 'tmdb:budget';
  const take = tokenBucket({ redis: opts.redis, use: 'tmdb_budget', logger: opts.logger, registry: opts.registry }, opts.ratePerSecond, 1);
  let waiting = 0;
  const metrics = opts.registry
    ? {
        waits: new Histogram({
          name: 'marquee_tmdb_budget_wait_seconds',
          help: 'Time TMDB requests waited for the rate budget',
          buckets: [0, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
          registers: [opts.registry],
        }),
        refused: new Counter({
          name: 'marquee_tmdb_budget_refused_total',
          help: 'TMDB requests refused because the budget queue was full or too slow',
          registers: [opts.registry],
        }),
      }
    : undefined;

  return {
    async acquire() {
      const started = Date.now();
      if (waiting >= maxQueue) {
        metrics?.refused.inc();
        throw new TmdbError('rate_limited', 'TMDB request budget queue is full');
      }
      waiting++;
      try {
        if (!(await waitFor(take, key, maxWait))) {
          metrics?.refused.inc();
          throw new TmdbError('rate_limited', 'TMDB request budget exhausted');
        }
      } finally {
        waiting--;
      }
      metrics?.waits.observe((Date.now() - started) / 1000);
    },
  };
}

/**
 * Each caller's share of the TMDB budget, taken before the global one: a token bucket per caller
 * (a user, a partner, or an anonymous client IP: callerKey in platform/identity.ts) of `ratePerSecond`, kept in
 * Redis like the global budget so the share holds across replicas. A caller may wait for its own
 * bucket as long as for the global one; waiters beyond what that wait could serve are refused at
 * once, so one caller's backlog stays bounded and never reaches the global queue. Refusals are
 * `share_exhausted` (RATE_LIMITED for that caller's fields only).
 */
export interface CallerBudgets {
  acquire(caller: string): Promise<void>;
}

export interface CallerBudgetOptions {
  /** Requests per second per caller (TMDB_CALLER_SHARE × TMDB_RATE_LIMIT). */
  ratePerSecond: number;
  redis?: Redis;
  /** Prefix of the callers' keys in Redis (the global budget's key). */
  keyPrefix: string;
  maxWaitMs?: number;
  registry?: Registry;
  logger?: Logger;
}

export function createCallerBudgets(opts: CallerBudgetOptions): CallerBudgets {
  const maxWait = opts.maxWaitMs ?? 5_000;
  const { capacity } = bucketShape(opts.ratePerSecond);
  // More waiters than the bucket can serve within maxWait would only time out.
  const maxWaiting = Math.ceil((opts.ratePerSecond * maxWait) / 1000) + capacity;
  const take = tokenBucket({ redis: opts.redis, use: 'tmdb_caller_share', logger: opts.logger, registry: opts.registry }, opts.ratePerSecond, 10_000);
  const waiting = new Map<string, number>();
  const refused = opts.registry
    ? new Counter({
        name: 'marquee_tmdb_caller_share_refused_total',
        help: 'TMDB requests refused because their caller used up its share of the budget (TMDB_CALLER_SHARE)',
        registers: [opts.registry],
      })
    : undefined;
  const refuse = () => {
    refused?.inc();
    return new TmdbError('share_exhausted', 'You are using more than your share of the movie catalogue; try again shortly.');
  };
  return {
    async acquire(caller) {
      const n = waiting.get(caller) ?? 0;
      if (n >= maxWaiting) throw refuse();
      waiting.set(caller, n + 1);
      try {
        if (!(await waitFor(take, `${opts.keyPrefix}:caller:${caller}`, maxWait))) throw refuse();
      } finally {
        const left = (waiting.get(caller) ?? 1) - 1;
        if (left > 0) waiting.set(caller, left);
        else waiting.delete(caller);
      }
    },
  };
}
