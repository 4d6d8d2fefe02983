import { z } from 'zod';
import { commonEnv, subgraphEnv, loadConfig, port, positiveInt, requireInProduction } from '../../platform/config';
import { tmdbCredentialsRequired, tmdbEnv } from '../../platform/tmdb/config';
import { availabilityTable } from './table';

/** Settings the subgraph and the feed processor share: where feeds and offers live. */
export const feedStorageEnv = {
  DYNAMODB_ENDPOINT: z.string().url().optional(),
  AVAILABILITY_TABLE: z.string().min(3).default(availabilityTable.defaultName),
  /** The bucket providers upload feeds to (under providers/<partnerId>/). */
  FEED_BUCKET: z.string().min(3).default('marquee-feeds'),
  S3_ENDPOINT: z.string().url().optional(),
  /** How long a film's feed offers stay cached (Redis only; the processor drops them when a feed changes them). */
  OFFERS_CACHE_SECONDS: z.coerce.number().int().min(0).default(300),
};

const schema = z
  .object({
    ...commonEnv,
    ...subgraphEnv,
    ...tmdbEnv,
    ...feedStorageEnv,
    AVAILABILITY_PORT: port(4004),
    /** Prometheus /metrics, on a port of its own. */
    AVAILABILITY_METRICS_PORT: port(9468),
    /** Signs pagination cursors; `npm start` generates one, tests without it derive one from the gateway key. */
    CURSOR_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    /**
     * Where presigned upload URLs point instead of S3's own endpoint: local mode's upload bridge
     * (local/feed-bridge.ts). Unset in AWS.
     */
    S3_PUBLIC_ENDPOINT: z.string().url().optional(),
    /** How long an upload URL works. */
    FEED_UPLOAD_URL_TTL_SECONDS: positiveInt(900).pipe(z.number().max(7 * 24 * 3600)),
  })
  .refine(tmdbCredentialsRequired.check, tmdbCredentialsRequired.message);

export type AvailabilityConfig = z.infer<typeof schema>;

export function loadAvailabilityConfig(env: NodeJS.ProcessEnv = process.env): AvailabilityConfig {
  const cfg = loadConfig('availability', schema, env);
  requireInProduction(cfg, 'GATEWAY_PUBLIC_KEY', cfg.GATEWAY_PUBLIC_KEY);
  requireInProduction(cfg, 'CURSOR_SECRET', cfg.CURSOR_SECRET);
  return cfg;
}
