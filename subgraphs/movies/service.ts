import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { createCache } from '../../platform/cache';
import { isProduction } from '../../platform/config';
import { createLogger } from '../../platform/logger';
import { createMetricsRegistry } from '../../platform/metrics';
import { loadSubgraphSdl } from '../../platform/schema-files';
import { startSubgraphServer, type RunningServer } from '../../platform/subgraph-server';
import type { MoviesConfig } from './config';
import { createMoviesContext, type MoviesContext } from './context';
import { resolvers } from './resolvers';
import { createTmdbClient } from '../../platform/tmdb/config';
import { callerKey } from '../../platform/identity';
import { createOmdbClient } from '../../platform/omdb/config';

export async function startMoviesService(cfg: MoviesConfig, gatewayPublicKey: string): Promise<RunningServer> {
  const logger = createLogger('movies', cfg.LOG_LEVEL);
  const registry = createMetricsRegistry('movies');
  const cache = createCache({ redisUrl: cfg.REDIS_URL, redisAuthToken: cfg.REDIS_AUTH_TOKEN, logger, registry });
  const tmdb = createTmdbClient(cfg, { cache, logger, registry });
  const omdb = createOmdbClient(cfg, { cache, logger, registry });
  return startSubgraphServer<MoviesContext>({
    name: 'movies',
    port: cfg.MOVIES_PORT,
    metricsPort: cfg.MOVIES_METRICS_PORT,
    typeDefs: loadSubgraphSdl('movies'),
    resolvers: resolvers as GraphQLResolverMap<MoviesContext>,
    gatewayPublicKey,
    production: isProduction(cfg),
    logger,
    registry,
    buildContext: (caller, log) =>
      createMoviesContext({
        caller,
        log,
        tmdb: tmdb.forRequest(cfg.TMDB_MAX_FETCHES_PER_REQUEST, callerKey(caller)),
        imageBaseUrl: cfg.TMDB_IMAGE_BASE_URL,
        omdb: omdb?.forRequest(cfg.OMDB_MAX_FETCHES_PER_REQUEST, callerKey(caller)),
      }),
    // The cache is optional by design, so only TMDB reachability would matter; we do not spend
    // rate budget on probes, so the movies subgraph is ready once it listens.
    readiness: async () => ({ listening: true }),
    onShutdown: () => cache.close(),
  });
}
