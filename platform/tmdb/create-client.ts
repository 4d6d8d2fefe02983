import { createHash } from 'node:crypto';
import type { Registry } from 'prom-client';
import { RedisCache, type Cache } from '../cache';
import type { Logger } from '../logger';
import { createBudget, createCallerBudgets } from './budget';
import { TmdbClient } from './client';
import type { TmdbEnv } from './config';

/**
 * A service's TMDB client from its configuration: the global budget and the callers' shares in
 * the cache's Redis (so all replicas share them), in memory without one.
 */
export function createTmdbClient(cfg: TmdbEnv, deps: { cache: Cache; logger: Logger; registry?: Registry }): TmdbClient {
  const redis = deps.cache instanceof RedisCache ? deps.cache.redis : undefined;
  // One bucket per TMDB credential: the limit is TMDB's, per key.
  const key = `tmdb:budget:${createHash('sha256')
    .update(cfg.TMDB_ACCESS_TOKEN ?? cfg.TMDB_API_KEY ?? '')
    .digest('hex')
    .slice(0, 12)}`;
  const budget = createBudget({
    ratePerSecond: cfg.TMDB_RATE_LIMIT,
    redis,
    key,
    maxWaitMs: cfg.TMDB_BUDGET_MAX_WAIT_MS,
    maxQueue: cfg.TMDB_BUDGET_MAX_QUEUE,
    registry: deps.registry,
    logger: deps.logger,
  });
  const callerBudgets =
    cfg.TMDB_CALLER_SHARE < 1
      ? createCallerBudgets({
          ratePerSecond: cfg.TMDB_CALLER_SHARE * cfg.TMDB_RATE_LIMIT,
          redis,
          keyPrefix: key,
          maxWaitMs: cfg.TMDB_BUDGET_MAX_WAIT_MS,
          registry: deps.registry,
          logger: deps.logger,
        })
      : undefined;
  return new TmdbClient({
    budget,
    callerBudgets,
    baseUrl: cfg.TMDB_BASE_URL,
    accessToken: cfg.TMDB_ACCESS_TOKEN,
    apiKey: cfg.TMDB_API_KEY,
    language: cfg.TMDB_LANGUAGE,
    timeoutMs: cfg.TMDB_TIMEOUT_MS,
    maxRetries: cfg.TMDB_MAX_RETRIES,
    maxRetryAfterMs: 5000,
    circuitThreshold: cfg.TMDB_CIRCUIT_THRESHOLD,
    circuitHalfOpenMs: cfg.TMDB_CIRCUIT_HALF_OPEN_MS,
    notFoundTtlSeconds: cfg.TMDB_NOT_FOUND_TTL_SECONDS,
    staleWhileRevalidateSeconds: cfg.TMDB_STALE_WHILE_REVALIDATE_SECONDS,
    ...deps,
  });
}
