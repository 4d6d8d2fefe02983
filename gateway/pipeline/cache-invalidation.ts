import { createHash, timingSafeEqual } from 'node:crypto';
import express, { type Router } from 'express';
import type { Logger } from '../../platform/logger';
import type { Generations } from '../entity-cache/generations';
import { dependencyOf, parseInvalidation } from '../entity-cache/tags';
import type { CredentialGuard } from './auth-failures';
import { sendError } from './locals';

export const INVALIDATION_PATH = '/cache/invalidation';

/** Equal-time comparison of two secrets of any length (both hashed first). */
function sameSecret(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * The operators' invalidation endpoint: `POST /cache/invalidation` with Apollo Router's body (one
 * request or a list, by subgraph, type, entity key or cache tag: entity-cache/tags.ts) and
 * `Authorization: Bearer <CACHE_INVALIDATION_TOKEN>`. Each request bumps one generation counter,
 * so every replica stops finding what it names at once; the answer counts the counters bumped
 * (`{"count": n}`, where Apollo counts entries: versioned keys never list them). Off (404, as for
 * any unknown path) without a token; 503 without Redis, which holds the counters.
 */
export function cacheInvalidation(opts: {
  token: string | undefined;
  generations: Generations | undefined;
  credentials: CredentialGuard;
  logger: Logger;
}): Router {
  const router = express.Router();
  const { token, generations, credentials, logger } = opts;
  if (!token) return router;
  router.post(
    INVALIDATION_PATH,
    credentials.gate,
    async (req, res, next) => {
      const header = req.header('authorization') ?? '';
      const given = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
      if (!given || !sameSecret(given, token)) return credentials.refuse(req, res, 'A valid operator token is required (Authorization: Bearer).');
      next();
    },
    express.json({ limit: '256kb' }),
    async (req, res) => {
      const parsed = parseInvalidation(req.body);
      if ('error' in parsed) return sendError(res, 400, 'INVALID_INVALIDATION', `Invalid invalidation request: ${parsed.error}`);
      if (!generations) return sendError(res, 503, 'CACHE_UNAVAILABLE', 'Cache invalidation needs Redis (REDIS_URL).');
      const deps = [...new Set(parsed.requests.map(dependencyOf))];
      try {
        await generations.bump(deps, Date.now(), 'operator');
      } catch (err) {
        logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'operator cache invalidation failed');
        return sendError(res, 503, 'CACHE_UNAVAILABLE', 'Redis did not take the invalidation; try again.');
      }
      logger.info({ requests: parsed.requests.length, counters: deps.length }, 'operator cache invalidation');
      res.status(200).json({ count: deps.length });
    },
  );
  return router;
}
