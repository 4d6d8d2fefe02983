import { z } from 'zod';
import { positiveInt } from '../config';

/** TMDB settings, read by every service that talks to the catalogue (the client is built by create-client.ts). */
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
  /** A cached TMDB copy stale for less than this is served at once and refreshed in the background; 0 = always wait for TMDB. */
  TMDB_STALE_WHILE_REVALIDATE_SECONDS: z.coerce.number().int().min(0).default(3600),
  TMDB_MAX_FETCHES_PER_REQUEST: positiveInt(100),
};

export const tmdbCredentialsRequired = {
  check: (c: { TMDB_ACCESS_TOKEN?: string; TMDB_API_KEY?: string }) => Boolean(c.TMDB_ACCESS_TOKEN || c.TMDB_API_KEY),
  message: { message: 'set TMDB_ACCESS_TOKEN (v4 read token, preferred) or TMDB_API_KEY', path: ['TMDB_ACCESS_TOKEN'] },
};

export type TmdbEnv = z.infer<z.ZodObject<typeof tmdbEnv>>;
