import type { Request, RequestHandler, Response } from 'express';
import type Redis from 'ioredis';
import type { Counter } from 'prom-client';
import { RateLimiterRes } from 'rate-limiter-flexible';
import { ErrorCode } from '../../platform/errors';
import type { Logger } from '../../platform/logger';
import { locals, sendError } from './locals';
import { limiter } from './rate-limit';

/**
 * Failed authentication per client IP (invalid user tokens, unknown partner keys), with its own
 * budget (RATE_LIMIT_AUTH_FAILURES a minute). Once an IP has used it up, every request with
 * credentials from it is refused before they are checked, so a right guess among many wrong ones
 * is refused too until the minute passes.
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

/** The failed-authentication budget as the credential steps use it. */
export interface CredentialGuard {
  /** The step before any credential is checked: an IP out of budget is refused (429) when it sends any. */
  gate: RequestHandler;
  /** Refuses a request's credentials: 401 UNAUTHENTICATED, or 429 once this failure exhausts the IP's budget. */
  refuse(req: Request, res: Response, message: string): Promise<void>;
}

export const hasCredentials = (req: Request) => req.header('authorization') !== undefined || req.header('x-api-key') !== undefined;

export function credentialGuard(failures: AuthFailureLimiter, rateLimited: Counter<'kind'>, logger: Logger): CredentialGuard {
  const tooMany = (req: Request, res: Response, retryAfterSeconds: number) => {
    rateLimited.inc({ kind: 'auth-failures' });
    logger.info({ requestId: locals(res).requestId, ip: req.ip ?? 'unknown' }, 'authentication failures rate limited');
    res.setHeader('Retry-After', String(retryAfterSeconds));
    sendError(res, 429, ErrorCode.RATE_LIMITED, `Too many failed authentications; retry after ${retryAfterSeconds}s.`, { retryAfterSeconds });
  };
  return {
    gate: async (req, res, next) => {
      if (!hasCredentials(req)) return next();
      // Refused before the credentials are checked: key guessing gets nothing from this IP.
      const wait = await failures.blocked(req.ip ?? 'unknown');
      if (wait > 0) return tooMany(req, res, wait);
      next();
    },
    async refuse(req, res, message) {
      const exhausted = await failures.failed(req.ip ?? 'unknown');
      if (exhausted > 0) return tooMany(req, res, exhausted);
      sendError(res, 401, ErrorCode.UNAUTHENTICATED, message);
    },
  };
}
