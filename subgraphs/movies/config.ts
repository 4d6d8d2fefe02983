import { z } from 'zod';
import { commonEnv, subgraphEnv, loadConfig, port, requireInProduction } from '../../platform/config';
import { tmdbCredentialsRequired, tmdbEnv } from '../../platform/tmdb/config';
import { omdbEnv } from '../../platform/omdb/config';

const schema = z
  .object({
    ...commonEnv,
    ...subgraphEnv,
    ...tmdbEnv,
    ...omdbEnv,
    MOVIES_PORT: port(4001),
    /** Prometheus /metrics, on a port of its own. */
    MOVIES_METRICS_PORT: port(9465),
    TMDB_IMAGE_BASE_URL: z.string().url().default('https://image.tmdb.org/t/p/'),
  })
  .refine(tmdbCredentialsRequired.check, tmdbCredentialsRequired.message);

export type MoviesConfig = z.infer<typeof schema>;

export function loadMoviesConfig(env: NodeJS.ProcessEnv = process.env): MoviesConfig {
  const cfg = loadConfig('movies', schema, env);
  requireInProduction(cfg, 'GATEWAY_PUBLIC_KEY', cfg.GATEWAY_PUBLIC_KEY);
  return cfg;
}
