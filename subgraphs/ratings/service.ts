import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDynamoDb } from '../../platform/aws';
import { createCache } from '../../platform/cache';
import { isProduction } from '../../platform/config';
import { createLogger } from '../../platform/logger';
import { createMetricsRegistry } from '../../platform/metrics';
import { loadSubgraphSdl } from '../../platform/schema-files';
import { cursorKey } from '../../platform/cursor';
import { startSubgraphServer, type RunningServer } from '../../platform/subgraph-server';
import { createTmdbClient } from '../../platform/tmdb/config';
import type { RatingsConfig } from './config';
import { createRatingsContext, type RatingsContext } from './context';
import { resolvers } from './resolvers';
import { RatingsStore } from './store';
import { ScoreHistoryStore } from './history';

/** `deps` lets tests observe the real clients (e.g. count DynamoDB calls); production passes none. */
export async function startRatingsService(cfg: RatingsConfig, gatewayPublicKey: string, deps: { doc?: DynamoDBDocumentClient } = {}): Promise<RunningServer> {
  const logger = createLogger('ratings', cfg.LOG_LEVEL);
  const registry = createMetricsRegistry('ratings');
  const doc = deps.doc ?? createDynamoDb({ region: cfg.AWS_REGION, endpoint: cfg.DYNAMODB_ENDPOINT }, registry);
  const store = new RatingsStore({ doc, table: cfg.RATINGS_TABLE, eventsTable: cfg.EVENTS_TABLE });
  const history = new ScoreHistoryStore({ doc, table: cfg.SCORE_HISTORY_TABLE });
  const cache = createCache({ redisUrl: cfg.REDIS_URL, redisAuthToken: cfg.REDIS_AUTH_TOKEN, logger, registry });
  const tmdb = createTmdbClient(cfg, { cache, logger, registry });
  return startSubgraphServer<RatingsContext>({
    name: 'ratings',
    port: cfg.RATINGS_PORT,
    metricsPort: cfg.RATINGS_METRICS_PORT,
    typeDefs: loadSubgraphSdl('ratings'),
    resolvers: resolvers as GraphQLResolverMap<RatingsContext>,
    gatewayPublicKey,
    production: isProduction(cfg),
    logger,
    registry,
    buildContext: (caller, log) => createRatingsContext({ caller, log, store, history, tmdb, cursorSecret: cursorKey(cfg.CURSOR_SECRET, gatewayPublicKey) }),
    readiness: async () => ({
      dynamodb: await doc.send(new DescribeTableCommand({ TableName: cfg.RATINGS_TABLE })).then(
        () => true,
        () => false,
      ),
    }),
    onShutdown: async () => {
      await cache.close();
      doc.destroy();
    },
  });
}
