import { defineSubgraph, startSubgraph, type RunningServer } from '../../platform/kit';
import type { MoviesConfig } from './config';
import { createMoviesContext } from './context';
import { resolvers } from './resolvers';
import { createOmdbClient } from '../../platform/omdb/config';

/** The movies subgraph: the TMDB catalogue through the shared cache. No tables; ready once it listens. */
export const movies = defineSubgraph({
  name: 'movies',
  resolvers,
  ports: (cfg: MoviesConfig) => ({ port: cfg.MOVIES_PORT, metricsPort: cfg.MOVIES_METRICS_PORT }),
  setup: (kit, cfg) => ({
    tmdb: kit.tmdb(cfg),
    imageBaseUrl: cfg.TMDB_IMAGE_BASE_URL,
    maxFetchesPerRequest: cfg.TMDB_MAX_FETCHES_PER_REQUEST,
    omdb: createOmdbClient(cfg, { cache: kit.cache(), logger: kit.logger, registry: kit.registry }),
    omdbMaxFetchesPerRequest: cfg.OMDB_MAX_FETCHES_PER_REQUEST,
  }),
  context: createMoviesContext,
});

export function startMoviesService(cfg: MoviesConfig, gatewayPublicKey: string): Promise<RunningServer> {
  return startSubgraph(movies, cfg, gatewayPublicKey);
}
