import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { createDynamoDb } from '../../platform/aws';
import { createCache } from '../../platform/cache';
import { isProduction } from '../../platform/config';
import { createLogger } from '../../platform/logger';
import { createMetricsRegistry } from '../../platform/metrics';
import { loadSubgraphSdl } from '../../platform/schema-files';
import { startSubgraphServer, type RunningServer } from '../../platform/subgraph-server';
import { createTmdbClient } from '../../platform/tmdb/config';
import type { NotificationsConfig } from './config';
import { createNotificationsContext, type NotificationsContext } from './context';
import { resolvers } from './resolvers';
import { NotificationsStore } from './store';

export async function startNotificationsService(cfg: NotificationsConfig, gatewaySecret: string): Promise<RunningServer> {
  const logger = createLogger('notifications', cfg.LOG_LEVEL);
  const registry = createMetricsRegistry('notifications');
  const doc = createDynamoDb({ region: cfg.AWS_REGION, endpoint: cfg.DYNAMODB_ENDPOINT });
  const store = new NotificationsStore({ doc, table: cfg.NOTIFICATIONS_TABLE });
  const cache = createCache({ redisUrl: cfg.REDIS_URL, logger, registry });
  const tmdb = createTmdbClient(cfg, { cache, logger, registry });
  return startSubgraphServer<NotificationsContext>({
    name: 'notifications',
    port: cfg.NOTIFICATIONS_PORT,
    typeDefs: loadSubgraphSdl('notifications'),
    resolvers: resolvers as GraphQLResolverMap<NotificationsContext>,
    gatewaySecret,
    production: isProduction(cfg),
    logger,
    registry,
    buildContext: (caller, log) => createNotificationsContext({ caller, log, store, tmdb }),
    readiness: async () => ({
      dynamodb: await doc.send(new DescribeTableCommand({ TableName: cfg.NOTIFICATIONS_TABLE })).then(() => true, () => false),
    }),
    onShutdown: async () => {
      await cache.close();
      doc.destroy();
    },
  });
}
