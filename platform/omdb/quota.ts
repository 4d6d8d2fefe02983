import type Redis from 'ioredis';
import { LRUCache } from 'lru-cache';

/**
 * OMDb's daily request quota (the free key allows 1,000 a day), shared by every replica of every
 * service that calls OMDb: a counter per UTC day in Redis, `<prefix>:<YYYY-MM-DD>`, taken before
 * each HTTP request (retries included, since OMDb counts them too). Optionally each caller (a
 * user, a partner, an anonymous client IP) has a daily share of it, so one client cannot spend
 * everyone's day. While Redis is unreachable each process counts on its own (N replicas may then
 * send N× the limit; documented in docs/movies.md).
 */
export interface DailyQuota {
  /** Takes one request of today's quota (and of `caller`'s share): 'ok', or which one is used up. */
  take(caller?: string): Promise<'ok' | 'spent' | 'caller_spent'>;
  /** OMDb said the day's limit is reached: count the day as spent for every replica. */
  spend(): Promise<void>;
  /** Requests left today (by the shared count). */
  remaining(): Promise<number>;
  /** When today's count ends: the next midnight UTC. */
  resetsAt(now?: Date): Date;
}

export interface DailyQuotaOptions {
  /** Requests per UTC day for everyone together. */
  limit: number;
  /** Requests per UTC day for one caller; undefined or 0 = no per-caller share. */
  callerLimit?: number;
  redis?: Redis;
  /** Key prefix, per OMDb key (the quota is OMDb's, per key). */
  prefix: string;
  /** Clock, for tests. */
  now?: () => Date;
}

const DAY_SECONDS = 86_400;

// Both counters move together or not at all: a caller refused by its share spends nothing of the
// shared count, and a refusal by the shared count spends nothing of the caller's.
const TAKE = `
local limit = tonumber(ARGV[1])
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if used >= limit then return 0 end
if KEYS[2] then
  local mine = tonumber(redis.call('GET', KEYS[2]) or '0')
  if mine >= tonumber(ARGV[2]) then return 2 end
  if redis.call('INCR', KEYS[2]) == 1 then redis.call('EXPIRE', KEYS[2], ARGV[3]) end
end
if redis.call('INCR', KEYS[1]) == 1 then redis.call('EXPIRE', KEYS[1], ARGV[3]) end
return 1
`;

const SPEND = `
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if used < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2]) end
return 1
`;

export function utcDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

export function createDailyQuota(opts: DailyQuotaOptions): DailyQuota {
  const now = opts.now ?? (() => new Date());
  const callerLimit = opts.callerLimit && opts.callerLimit > 0 ? opts.callerLimit : undefined;
  // Keys live two days, so a counter outlives its day whatever the clocks of the replicas say.
  const expiry = 2 * DAY_SECONDS;
  const local = new LRUCache<string, number>({ max: 10_000 });
  const keyOf = (day: string, caller?: string) => (caller ? `${opts.prefix}:${day}:caller:${caller}` : `${opts.prefix}:${day}`);
  const usable = () => opts.redis && opts.redis.status === 'ready';

  const takeLocal = (day: string, caller?: string): 'ok' | 'spent' | 'caller_spent' => {
    const shared = local.get(keyOf(day)) ?? 0;
    if (shared >= opts.limit) return 'spent';
    if (caller && callerLimit) {
      const mine = local.get(keyOf(day, caller)) ?? 0;
      if (mine >= callerLimit) return 'caller_spent';
      local.set(keyOf(day, caller), mine + 1);
    }
    local.set(keyOf(day), shared + 1);
    return 'ok';
  };

  return {
    async take(caller) {
      const day = utcDay(now());
      const who = caller && callerLimit ? caller : undefined;
      if (!usable()) return takeLocal(day, who);
      try {
        const keys = who ? [keyOf(day), keyOf(day, who)] : [keyOf(day)];
        const r = Number(await opts.redis!.eval(TAKE, keys.length, ...keys, opts.limit, callerLimit ?? 0, expiry));
        return r === 1 ? 'ok' : r === 2 ? 'caller_spent' : 'spent';
      } catch {
        return takeLocal(day, who);
      }
    },
    async spend() {
      const day = utcDay(now());
      local.set(keyOf(day), Math.max(opts.limit, local.get(keyOf(day)) ?? 0));
      if (!usable()) return;
      await opts.redis!.eval(SPEND, 1, keyOf(day), opts.limit, expiry).catch(() => undefined);
    },
    async remaining() {
      const day = utcDay(now());
      if (usable()) {
        try {
          return Math.max(0, opts.limit - Number((await opts.redis!.get(keyOf(day))) ?? 0));
        } catch {
          /* counted locally meanwhile */
        }
      }
      return Math.max(0, opts.limit - (local.get(keyOf(day)) ?? 0));
    },
    resetsAt(at = now()) {
      return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate() + 1));
    },
  };
}
