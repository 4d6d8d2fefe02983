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

export function createRateLimiter(limits: RateLimits, redis?: Redis): (subject: Subject) => Promise<RateDecision> {
  const make = (name: string, points: number): RateLimiterAbstract => {
    const memory = new RateLimiterMemory({ keyPrefix: `rl:${name}`, points, duration: 60 });
    return redis
      ? new RateLimiterRedis({ storeClient: redis, keyPrefix: `rl:${name}`, points, duration: 60, insuranceLimiter: memory, useRedisPackage: false })
      : memory;
  };
  const ip = make('ip', limits.anonymousPerMinute);
  const user = make('user', limits.userPerMinute);
  const tiers = Object.fromEntries(Object.entries(limits.tiers).map(([t, n]) => [t, make(`partner-${t}`, n)])) as Record<RateTier, RateLimiterAbstract>;

  return async (subject) => {
    const limiter = subject.kind === 'partner' ? tiers[subject.tier] : subject.kind === 'user' ? user : ip;
    try {
      const res = await limiter.consume(subject.id, 1);
      return { allowed: true, remaining: res.remainingPoints };
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)) };
      // The limiter itself failed (both stores): let the request through rather than fail it.
      return { allowed: true, remaining: -1 };
    }
  };
}
