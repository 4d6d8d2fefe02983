import { z } from 'zod';
import { commonEnv, subgraphEnv, loadConfig, port, requireInProduction } from '../../platform/config';
import { tmdbCredentialsRequired, tmdbEnv } from '../../platform/tmdb/config';
import { ratingsTable } from './table';
import { eventsTable } from '../../platform/events/table';
import { scoreHistoryTable } from './history-table';

const schema = z
  .object({
    ...commonEnv,
    ...subgraphEnv,
    ...tmdbEnv,
    RATINGS_PORT: port(4002),
    /** Prometheus /metrics, on a port of its own. */
    RATINGS_METRICS_PORT: port(9466),
    /** Signs pagination cursors; `npm start` generates one, tests without it derive one from the gateway key. */
    CURSOR_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    DYNAMODB_ENDPOINT: z.string().url().optional(),
    RATINGS_TABLE: z.string().min(3).default(ratingsTable.defaultName),
    EVENTS_TABLE: z.string().min(3).default(eventsTable.defaultName),
    SCORE_HISTORY_TABLE: z.string().min(3).default(scoreHistoryTable.defaultName),
  })
  .refine(tmdbCredentialsRequired.check, tmdbCredentialsRequired.message);

export type RatingsConfig = z.infer<typeof schema>;

export function loadRatingsConfig(env: NodeJS.ProcessEnv = process.env): RatingsConfig {
  const cfg = loadConfig('ratings', schema, env);
  requireInProduction(cfg, 'GATEWAY_PUBLIC_KEY', cfg.GATEWAY_PUBLIC_KEY);
  requireInProduction(cfg, 'CURSOR_SECRET', cfg.CURSOR_SECRET);
  return cfg;
}
