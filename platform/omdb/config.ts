import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Registry } from 'prom-client';
import { RedisCache, type Cache } from '../cache';
import { positiveInt } from '../config';
import type { Logger } from '../logger';
import { OmdbClient } from './client';
import { createDailyQuota } from './quota';

/** OMDb settings, read by the movies subgraph and the score snapshot task. */
export const omdbEnv = {
  /** Unset: no OMDb; `externalRatings` lists TMDB's rating only. */
  OMDB_API_KEY: z.string().optional(),
  OMDB_BASE_URL: z.string().url().default('https://www.omdbapi.com/'),
  /** Requests per UTC day for all replicas together; the free key allows 1,000. */
  OMDB_DAILY_LIMIT: positiveInt(1000),
  /** Requests per UTC day for one caller (user, partner, anonymous IP); 0 = no share. */
  OMDB_CALLER_DAILY_LIMIT: z.coerce.number().int().min(0).default(100),
  OMDB_CACHE_TTL_SECONDS: positiveInt(24 * 3600),
  /** How long a copy is kept past its TTL, to serve while OMDb is down or the quota is spent. */
  OMDB_STALE_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .default(30 * 24 * 3600),
  OMDB_TIMEOUT_MS: positiveInt(3000),
  OMDB_MAX_RETRIES: z.coerce.number().int().min(0).max(10).default(2),
  OMDB_CIRCUIT_THRESHOLD: positiveInt(5),
  OMDB_CIRCUIT_HALF_OPEN_MS: positiveInt(5000),
  /** Distinct OMDb look-ups one GraphQL operation may cause (a page of films is 20). */
  OMDB_MAX_FETCHES_PER_REQUEST: positiveInt(20),
};

export type OmdbEnv = z.infer<z.ZodObject<typeof omdbEnv>>;

/**
 * The OMDb client of a process, or undefined without OMDB_API_KEY. `dailyLimit` lowers the
 * process's own view of the shared quota (the snapshot task leaves a reserve for live traffic).
 */
export function createOmdbClient(
  cfg: OmdbEnv,
  deps: { cache: Cache; logger: Logger; registry?: Registry },
  opts: { dailyLimit?: number; perCaller?: boolean } = {},
): OmdbClient | undefined {
  if (!cfg.OMDB_API_KEY) return undefined;
  const redis = deps.cache instanceof RedisCache ? deps.cache.redis : undefined;
  // One count per OMDb key: the quota is OMDb's, per key.
  const prefix = `omdb:quota:${createHash('sha256').update(cfg.OMDB_API_KEY).digest('hex').slice(0, 12)}`;
  const quota = createDailyQuota({
    limit: opts.dailyLimit ?? cfg.OMDB_DAILY_LIMIT,
    callerLimit: opts.perCaller === false ? undefined : cfg.OMDB_CALLER_DAILY_LIMIT,
    redis,
    prefix,
  });
  return new OmdbClient({
    baseUrl: cfg.OMDB_BASE_URL,
    apiKey: cfg.OMDB_API_KEY,
    timeoutMs: cfg.OMDB_TIMEOUT_MS,
    maxRetries: cfg.OMDB_MAX_RETRIES,
    ttlSeconds: cfg.OMDB_CACHE_TTL_SECONDS,
    staleSeconds: cfg.OMDB_STALE_SECONDS,
    circuitThreshold: cfg.OMDB_CIRCUIT_THRESHOLD,
    circuitHalfOpenMs: cfg.OMDB_CIRCUIT_HALF_OPEN_MS,
    quota,
    ...deps,
  });
}
