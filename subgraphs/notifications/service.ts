import { invalidationOfEvent, publishInvalidation } from '../../platform/cache-invalidation';
import { createRedisClient, RedisCache, type Cache } from '../../platform/cache';
import { cursorKey } from '../../platform/cursor';
import type { DomainEvent } from '../../platform/events/types';
import { LiveBusPublisher } from '../../platform/live-bus';
import { defineSubgraph, startSubgraph, type InjectedClients, type Kit, type RunningServer } from '../../platform/kit';
import type { NotificationsConfig } from './config';
import { createNotificationsContext, type NotificationsDeps } from './context';
import { Outbox } from './outbox';
import { OutboxRelay } from './relay';
import { resolvers } from './resolvers';
import { NotificationsStore } from './store';

/**
 * The gateways' entity cache hears of every event from the relay, on the Redis they share (the
 * cache's own connection): without Redis there is no shared cache to tell.
 */
function gatewayCacheInvalidation(cache: Cache): ((event: DomainEvent) => Promise<void>) | undefined {
  if (!(cache instanceof RedisCache)) return undefined;
  return (event) => {
    const { deps, committedAt } = invalidationOfEvent(event);
    return publishInvalidation(cache.redis, deps, committedAt, 'event');
  };
}

/** The notifications subgraph: follows and feeds in DynamoDB, and the relay that delivers events. */
export const notifications = defineSubgraph({
  name: 'notifications',
  resolvers,
  ports: (cfg: NotificationsConfig) => ({ port: cfg.NOTIFICATIONS_PORT, metricsPort: cfg.NOTIFICATIONS_METRICS_PORT }),
  setup: (kit, cfg): NotificationsDeps => ({
    store: new NotificationsStore({
      doc: kit.dynamodb(),
      table: cfg.NOTIFICATIONS_TABLE,
      coalesceWindowSeconds: cfg.NOTIFICATION_COALESCE_WINDOW_SECONDS,
      eventsTable: cfg.EVENTS_TABLE,
    }),
    tmdb: kit.tmdb(cfg),
    cursorSecret: cursorKey(cfg.CURSOR_SECRET, kit.gatewayPublicKey),
    live: liveBus(kit, cfg),
  }),
  context: createNotificationsContext,
  tables: (cfg) => [cfg.NOTIFICATIONS_TABLE],
  // The relay runs inside every notifications task; leases keep replicas from double work.
  background: ({ store, live }, kit, cfg) => {
    if (!cfg.SNS_TOPIC_ARN || !cfg.RELAY_ENABLED) {
      kit.logger.warn('event relay off: set SNS_TOPIC_ARN (and RELAY_ENABLED=true) to deliver feeds and publish events');
      return undefined;
    }
    const relay = new OutboxRelay({
      outbox: new Outbox({ doc: kit.dynamodb(), table: cfg.EVENTS_TABLE }),
      store,
      sns: kit.sns(),
      topicArn: cfg.SNS_TOPIC_ARN,
      logger: kit.logger.child({ component: 'relay' }),
      registry: kit.registry,
      live,
      pollMs: cfg.RELAY_POLL_MS,
      leaseMs: cfg.RELAY_LEASE_MS,
      invalidate: gatewayCacheInvalidation(kit.cache()),
    });
    relay.start();
    return relay;
  },
});

/** The live bus on a Redis connection of its own (its script must not wait behind the cache's traffic); none without REDIS_URL. */
function liveBus(kit: Kit, cfg: NotificationsConfig): LiveBusPublisher | undefined {
  if (!cfg.REDIS_URL) {
    kit.logger.warn('live bus off: set REDIS_URL for subscriptions (docs/live.md)');
    return undefined;
  }
  const redis = createRedisClient(cfg.REDIS_URL, 2000, cfg.REDIS_AUTH_TOKEN);
  redis.on('error', () => {
    /* each publish that fails says so (live.ts); reconnection is automatic */
  });
  kit.onClose('live bus', () => redis.disconnect());
  return new LiveBusPublisher(redis, cfg.LIVE_RETENTION_SECONDS * 1000);
}

/** `clients` lets tests observe or replace the real clients; they close them. Production passes none. */
export async function startNotificationsService(
  cfg: NotificationsConfig,
  gatewayPublicKey: string,
  clients: InjectedClients = {},
): Promise<RunningServer & { relay?: OutboxRelay }> {
  const running = await startSubgraph(notifications, cfg, gatewayPublicKey, clients);
  return { ...running, relay: running.background };
}
