import type Redis from 'ioredis';
import { Counter, Histogram, type Registry } from 'prom-client';
import { TmdbError } from './errors';

/**
 * The global TMDB request budget: a token bucket kept in Redis so that every replica of every service draws from one bucket. A request
 * takes a token or waits in a bounded local queue; past `maxWaitMs` or `maxQueue` it fails
 * with RATE_LIMITED instead of piling up. While Redis is unreachable each process falls back to
 * its own bucket of the same rate (documented: N replicas may then reach N× the rate).
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
}

export function createBudget(opts: BudgetOptions): Budget {
  // Any one-second window sees at most the burst plus one second of refill, so the two share
  // the limit: a tenth as burst, the rest as steady rate. No window ever exceeds ratePerSecond.
  const capacity = Math.max(1, Math.floor(opts.ratePerSecond / 10));
  const rate = Math.max(0.1, opts.ratePerSecond - capacity);
  const maxWait = opts.maxWaitMs ?? 5_000;
  const maxQueue = opts.maxQueue ?? 500;
  const key = opts.key ?? 'tmdb:budget';
  let waiting = 0;
  const local = { tokens: capacity, ts: Date.now() };
  const metrics = opts.registry
    ? {
        waits: new Histogram({ name: 'marquee_tmdb_budget_wait_seconds', help: 'Time TMDB requests waited for the rate budget', buckets: [0, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: [opts.registry] }),
        refused: new Counter({ name: 'marquee_tmdb_budget_refused_total', help: 'TMDB requests refused because the budget queue was full or too slow', registers: [opts.registry] }),
      }
    : undefined;

  const takeLocal = (): number => {
    const now = Date.now();
    local.tokens = Math.min(capacity, local.tokens + ((now - local.ts) * rate) / 1000);
    local.ts = now;
    if (local.tokens >= 1) {
      local.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - local.tokens) * 1000) / rate);
  };

  const take = async (): Promise<number> => {
    if (!opts.redis || opts.redis.status !== 'ready') return takeLocal();
    try {
      return Number(await opts.redis.eval(TAKE, 1, key, rate, capacity));
    } catch {
      return takeLocal();
    }
  };

  return {
    async acquire() {
      const started = Date.now();
      if (waiting >= maxQueue) {
        metrics?.refused.inc();
        throw new TmdbError('rate_limited', 'TMDB request budget queue is full');
      }
      waiting++;
      try {
        for (;;) {
          const wait = await take();
          if (wait === 0) break;
          if (Date.now() - started + wait > maxWait) {
            metrics?.refused.inc();
            throw new TmdbError('rate_limited', 'TMDB request budget exhausted');
          }
          // A little jitter spreads waiters so they do not all retry at the same instant.
          await new Promise((r) => setTimeout(r, wait + Math.random() * 5));
        }
      } finally {
        waiting--;
      }
      metrics?.waits.observe((Date.now() - started) / 1000);
    },
  };
}
