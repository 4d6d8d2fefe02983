import type Redis from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { RateTier } from './partners';

/**
 * Requests per minute for each kind of caller. Redis-backed so the budget holds across gateway
 * replicas; an in-memory limiter takes over while Redis is unreachable.
 */
export interface RateLimits {
  anonymousPerMinute: number;
  userPerMinute: number;
  tiers: Record<RateTier, number>;
}

export type Subject = { kind: 'partner'; id: string; tier: RateTier } | { kind: 'user'; id: string } | { kind: 'ip'; id: string };

export type RateDecision = { allowed: true; remaining: number } | { allowed: false; retryAfterSeconds: number };

function limiter(redis: Redis | undefined, name: string, points: number): RateLimiterAbstract {
  const memory = new RateLimiterMemory({ keyPrefix: `rl:${name}`, points, duration: 60 });
  return redis
    ? new RateLimiterRedis({ storeClient: redis, keyPrefix: `rl:${name}`, points, duration: 60, insuranceLimiter: memory, useRedisPackage: false })
    : memory;
}

/** Takes `points` from `key`; a limiter that fails in both stores lets the request through rather than fail it. */
async function take(limiter: RateLimiterAbstract, key: string, points: number): Promise<RateDecision> {
  try {
    const res = await limiter.consume(key, points);
    return { allowed: true, remaining: res.remainingPoints };
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)) };
    return { allowed: true, remaining: -1 };
  }
}

export function createRateLimiter(limits: RateLimits, redis?: Redis): (subject: Subject) => Promise<RateDecision> {
  const make = (name: string, points: number) => limiter(redis, name, points);
  const ip = make('ip', limits.anonymousPerMinute);
  const user = make('user', limits.userPerMinute);
  const tiers = Object.fromEntries(Object.entries(limits.tiers).map(([t, n]) => [t, make(`partner-${t}`, n)])) as Record<RateTier, RateLimiterAbstract>;
  return (subject) => take(subject.kind === 'partner' ? tiers[subject.tier] : subject.kind === 'user' ? user : ip, subject.id, 1);
}

/**
 * Demand-control cost per minute for each kind of caller (RATE_LIMIT_COST_*), each unset = off:
 * an operation takes its estimated cost (cost.ts) from its caller's budget before it runs, so a
 * client of few but expensive operations is limited like one of many cheap ones.
 */
export interface CostRateLimits {
  anonymousPerMinute?: number;
  userPerMinute?: number;
  tiers: Partial<Record<RateTier, number>>;
}

export function createCostRateLimiter(limits: CostRateLimits, redis?: Redis): ((subject: Subject, cost: number) => Promise<RateDecision>) | undefined {
  const make = (name: string, points: number | undefined) => (points === undefined ? undefined : limiter(redis, `cost-${name}`, points));
  const ip = make('ip', limits.anonymousPerMinute);
  const user = make('user', limits.userPerMinute);
  const tiers = Object.fromEntries(Object.entries(limits.tiers).map(([t, n]) => [t, make(`partner-${t}`, n)])) as Partial<
    Record<RateTier, RateLimiterAbstract>
  >;
  if (!ip && !user && Object.values(tiers).every((l) => !l)) return undefined;
  return async (subject, cost) => {
    const l = subject.kind === 'partner' ? tiers[subject.tier] : subject.kind === 'user' ? user : ip;
    // Every operation costs at least 1, so a free one still counts.
    return l ? take(l, subject.id, Math.max(1, Math.ceil(cost))) : { allowed: true, remaining: -1 };
  };
}

/**
 * Failed authentication per client IP (invalid user tokens, unknown partner keys), with its own
 * budget. Once an IP has used it up, every request with credentials from it is refused before
 * they are checked, so a right guess among many wrong ones is refused too until the minute passes.
 */
export interface AuthFailureLimiter {
  /** Seconds to wait when this IP may not try credentials now, else 0. */
  blocked(ip: string): Promise<number>;
  /** Counts one failure; the seconds to wait when it is one more than the budget, else 0. */
  failed(ip: string): Promise<number>;
}

export function createAuthFailureLimiter(perMinute: number, redis?: Redis): AuthFailureLimiter {
  const failures = limiter(redis, 'auth-failures', perMinute);
  const wait = (res: RateLimiterRes) => Math.max(1, Math.ceil(res.msBeforeNext / 1000));
  return {
    async blocked(ip) {
      const res = await failures.get(ip).catch(() => null);
      return res && res.consumedPoints > perMinute ? wait(res) : 0;
    },
    async failed(ip) {
      try {
        await failures.consume(ip, 1);
        return 0;
      } catch (rejection) {
        return rejection instanceof RateLimiterRes ? wait(rejection) : 0;
      }
    },
  };
}
