import type { RequestHandler } from 'express';
import type Redis from 'ioredis';
import type { Counter } from 'prom-client';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { ErrorCode } from '../../platform/errors';
import type { Logger } from '../../platform/logger';
import type { GatewayConfig } from '../config';
import { locals, sendError } from './locals';
import type { RateTier } from './partner-key';

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

export function limiter(redis: Redis | undefined, name: string, points: number): RateLimiterAbstract {
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

type LimitsConfig = Pick<
  GatewayConfig,
  | 'RATE_LIMIT_ANONYMOUS'
  | 'RATE_LIMIT_USER'
  | 'RATE_LIMIT_PARTNER_STANDARD'
  | 'RATE_LIMIT_PARTNER_PREMIUM'
  | 'RATE_LIMIT_PARTNER_INTERNAL'
  | 'RATE_LIMIT_COST_ANONYMOUS'
  | 'RATE_LIMIT_COST_USER'
  | 'RATE_LIMIT_COST_PARTNER_STANDARD'
  | 'RATE_LIMIT_COST_PARTNER_PREMIUM'
  | 'RATE_LIMIT_COST_PARTNER_INTERNAL'
>;

/** RATE_LIMIT_* (requests a minute). */
export function requestLimits(cfg: LimitsConfig): RateLimits {
  return {
    anonymousPerMinute: cfg.RATE_LIMIT_ANONYMOUS,
    userPerMinute: cfg.RATE_LIMIT_USER,
    tiers: { standard: cfg.RATE_LIMIT_PARTNER_STANDARD, premium: cfg.RATE_LIMIT_PARTNER_PREMIUM, internal: cfg.RATE_LIMIT_PARTNER_INTERNAL },
  };
}

/** RATE_LIMIT_COST_* (estimated cost a minute), each unset = off. */
export function costLimits(cfg: LimitsConfig): CostRateLimits {
  return {
    anonymousPerMinute: cfg.RATE_LIMIT_COST_ANONYMOUS,
    userPerMinute: cfg.RATE_LIMIT_COST_USER,
    tiers: { standard: cfg.RATE_LIMIT_COST_PARTNER_STANDARD, premium: cfg.RATE_LIMIT_COST_PARTNER_PREMIUM, internal: cfg.RATE_LIMIT_COST_PARTNER_INTERNAL },
  };
}

/**
 * The step: who this request counts against (the partner, else the user, else the client IP),
 * left on `res.locals` for the cost-unit limit, and one request taken from their budget; over it,
 * HTTP 429 RATE_LIMITED with Retry-After.
 */
export function rateLimit(take: (subject: Subject) => Promise<RateDecision>, rateLimited: Counter<'kind'>, logger: Logger): RequestHandler {
  return async (req, res, next) => {
    const { partner, userId } = locals(res);
    const subject: Subject = partner
      ? { kind: 'partner', id: partner.id, tier: partner.tier }
      : userId
        ? { kind: 'user', id: userId }
        : { kind: 'ip', id: req.ip ?? 'unknown' };
    locals(res).rateSubject = subject;
    const decision = await take(subject);
    if (decision.allowed) return next();
    rateLimited.inc({ kind: subject.kind });
    logger.info({ requestId: locals(res).requestId, ip: req.ip, kind: subject.kind }, 'rate limited');
    res.setHeader('Retry-After', String(decision.retryAfterSeconds));
    sendError(res, 429, ErrorCode.RATE_LIMITED, `Too many requests; retry after ${decision.retryAfterSeconds}s.`, {
      retryAfterSeconds: decision.retryAfterSeconds,
    });
  };
}
