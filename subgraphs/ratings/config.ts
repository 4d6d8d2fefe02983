import { z } from 'zod';
import { commonEnv, loadConfig, port, requireInProduction } from '../../platform/config';
import { tmdbCredentialsRequired, tmdbEnv } from '../../platform/tmdb/config';
import { ratingsTable } from './table';
import { eventsTable } from '../../platform/events/table';

const schema = z
  .object({
    ...commonEnv,
    ...tmdbEnv,
    RATINGS_PORT: port(4002),
    DYNAMODB_ENDPOINT: z.string().url().optional(),
    RATINGS_TABLE: z.string().min(3).default(ratingsTable.defaultName),
    EVENTS_TABLE: z.string().min(3).default(eventsTable.defaultName),
  })
  .refine(tmdbCredentialsRequired.check, tmdbCredentialsRequired.message);

export type RatingsConfig = z.infer<typeof schema>;

export function loadRatingsConfig(env: NodeJS.ProcessEnv = process.env): RatingsConfig {
  const cfg = loadConfig('ratings', schema, env);
  requireInProduction(cfg, 'GATEWAY_SECRET', cfg.GATEWAY_SECRET);
  return cfg;
}
