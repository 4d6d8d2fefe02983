import { z } from 'zod';
import { positiveInt } from '../config';
import { createHash } from 'node:crypto';
import { RedisCache, type Cache } from '../cache';
import { createBudget, createCallerBudgets } from './budget';
import type { Logger } from '../logger';
import type { Registry } from 'prom-client';
import { TmdbClient } from './client';
import { TmdbError } from './errors';

/** TMDB settings, read by every service that talks to the catalogue. */
export const tmdbEnv = {
  TMDB_BASE_URL: z.string().url().default('https://api.themoviedb.org/3'),
  TMDB_ACCESS_TOKEN: z.string().optional(),
  TMDB_API_KEY: z.string().optional(),
  TMDB_LANGUAGE: z
    .string()
    .regex(/^[a-z]{2}(-[A-Z]{2})?$/, 'must look like en or en-US')
    .optional(),
  TMDB_TIMEOUT_MS: positiveInt(3000),
  TMDB_MAX_RETRIES: z.coerce.number().int().min(0).max(10).default(2),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .optional(),
  TMDB_RATE_LIMIT: z.coerce.number().positive().max(1000).default(40),
  /** Each caller's share of TMDB_RATE_LIMIT per second (a user, a partner, an anonymous client IP); 1 = no share. */
  TMDB_CALLER_SHARE: z.coerce.number().gt(0).max(1).default(0.25),
  TMDB_BUDGET_MAX_WAIT_MS: positiveInt(5000),
  TMDB_BUDGET_MAX_QUEUE: positiveInt(500),
  TMDB_CIRCUIT_THRESHOLD: positiveInt(5),
  TMDB_CIRCUIT_HALF_OPEN_MS: positiveInt(5000),
  TMDB_NOT_FOUND_TTL_SECONDS: z.coerce.number().int().min(0).default(300),
  TMDB_MAX_FETCHES_PER_REQUEST: positiveInt(100),
};

export const tmdbCredentialsRequired = {
  check: (c: { TMDB_ACCESS_TOKEN?: string; TMDB_API_KEY?: string }) => Boolean(c.TMDB_ACCESS_TOKEN || c.TMDB_API_KEY),
  message: { message: 'set TMDB_ACCESS_TOKEN (v4 read token, preferred) or TMDB_API_KEY', path: ['TMDB_ACCESS_TOKEN'] },
};

export type TmdbEnv = z.infer<z.ZodObject<typeof tmdbEnv>>;

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
  });
  const callerBudgets =
    cfg.TMDB_CALLER_SHARE < 1
      ? createCallerBudgets({
          ratePerSecond: cfg.TMDB_CALLER_SHARE * cfg.TMDB_RATE_LIMIT,
          redis,
          keyPrefix: key,
          maxWaitMs: cfg.TMDB_BUDGET_MAX_WAIT_MS,
          registry: deps.registry,
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
    ...deps,
  });
}

/**
 * Whether TMDB knows a film. Ratings and follows check this before writing, through the same
 * cached client as the movies subgraph, so a known film usually costs one Redis read.
 */
export async function movieExists(tmdb: TmdbClient, id: string): Promise<boolean> {
  if (!/^[1-9]\d{0,9}$/.test(id)) return false;
  const [result] = await tmdb.movies([{ id, blocks: [] }]);
  if (result instanceof TmdbError) {
    if (result.kind === 'not_found') return false;
    throw result.toGraphQLError();
  }
  return true;
}
