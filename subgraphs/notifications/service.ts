import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { createDynamoDb, createSns } from '../../platform/aws';
import { createCache } from '../../platform/cache';
import { isProduction } from '../../platform/config';
import { createLogger } from '../../platform/logger';
import { createMetricsRegistry } from '../../platform/metrics';
import { loadSubgraphSdl } from '../../platform/schema-files';
import { cursorKey } from '../../platform/cursor';
import { startSubgraphServer, type RunningServer } from '../../platform/subgraph-server';
import { createTmdbClient } from '../../platform/tmdb/create-client';
import type { NotificationsConfig } from './config';
import { createNotificationsContext, type NotificationsContext } from './context';
import { Outbox } from './outbox';
import { OutboxRelay } from './relay';
import { resolvers } from './resolvers';
import { NotificationsStore } from './store';

/** `deps` lets tests observe or replace the real clients; production passes none. */
export async function startNotificationsService(
  cfg: NotificationsConfig,
  gatewayPublicKey: string,
  deps: { doc?: DynamoDBDocumentClient; sns?: SNSClient } = {},
): Promise<RunningServer & { relay?: OutboxRelay }> {
  const logger = createLogger('notifications', cfg.LOG_LEVEL);
  const registry = createMetricsRegistry('notifications');
  const doc = deps.doc ?? createDynamoDb({ region: cfg.AWS_REGION, endpoint: cfg.DYNAMODB_ENDPOINT }, registry);
  const store = new NotificationsStore({ doc, table: cfg.NOTIFICATIONS_TABLE, coalesceWindowSeconds: cfg.NOTIFICATION_COALESCE_WINDOW_SECONDS });
  const cache = createCache({ redisUrl: cfg.REDIS_URL, redisAuthToken: cfg.REDIS_AUTH_TOKEN, logger, registry });
  const tmdb = createTmdbClient(cfg, { cache, logger, registry });

  // The relay runs inside every notifications task; leases keep replicas from double work.
  let relay: OutboxRelay | undefined;
  if (cfg.SNS_TOPIC_ARN && cfg.RELAY_ENABLED) {
    relay = new OutboxRelay({
      outbox: new Outbox({ doc, table: cfg.EVENTS_TABLE }),
      store,
      sns: deps.sns ?? createSns({ region: cfg.AWS_REGION, endpoint: cfg.SNS_ENDPOINT }),
      topicArn: cfg.SNS_TOPIC_ARN,
      logger: logger.child({ component: 'relay' }),
      registry,
      pollMs: cfg.RELAY_POLL_MS,
      leaseMs: cfg.RELAY_LEASE_MS,
    });
    relay.start();
  } else {
    logger.warn('event relay off: set SNS_TOPIC_ARN (and RELAY_ENABLED=true) to deliver feeds and publish events');
  }

  const server = await startSubgraphServer<NotificationsContext>({
    name: 'notifications',
    port: cfg.NOTIFICATIONS_PORT,
    metricsPort: cfg.NOTIFICATIONS_METRICS_PORT,
    typeDefs: loadSubgraphSdl('notifications'),
    resolvers: resolvers as GraphQLResolverMap<NotificationsContext>,
    gatewayPublicKey,
    production: isProduction(cfg),
    logger,
    registry,
    buildContext: (caller, log) => createNotificationsContext({ caller, log, store, tmdb, cursorSecret: cursorKey(cfg.CURSOR_SECRET, gatewayPublicKey) }),
    readiness: async () => ({
      dynamodb: await doc.send(new DescribeTableCommand({ TableName: cfg.NOTIFICATIONS_TABLE })).then(
        () => true,
        () => false,
      ),
    }),
    onShutdown: async () => {
      await relay?.stop();
      await cache.close();
      if (!deps.doc) doc.destroy();
    },
  });
  return { ...server, relay };
}
