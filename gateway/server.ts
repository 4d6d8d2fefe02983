import http from 'node:http';
import type Redis from 'ioredis';
import type { Registry } from 'prom-client';
import { createRedisClient } from '../platform/cache';
import { listen, once } from '../platform/http';
import type { Logger } from '../platform/logger';
import { startMetricsServer } from '../platform/metrics';
import type { GatewayConfig } from './config';
import { Generations } from './entity-cache/generations';
import { observeInvalidations } from './entity-cache/metrics';
import { createApolloGateway, subgraphUrls } from './graphql/gateway';
import { formatGatewayError } from './graphql/errors';
import { createApolloServer } from './graphql/server';
import proxyaddr from 'proxy-addr';
import { createLive } from './live';
import { GATEWAY_KEEP_ALIVE_TIMEOUT_MS } from './runtime';
import { ConnectionLimits } from './live/limits';
import { wsTransport } from './live/ws';
import { createTokenVerifier } from './pipeline/authentication';
import { createRateLimiter, requestLimits } from './pipeline/rate-limit';
import type { LiveDeps } from './live/stream';
import { isProduction } from '../platform/config';
import { gatewayMetrics } from './metrics';
import { gatewayApp } from './pipeline';
import type { Lifecycle } from './pipeline/inflight';
import { loadManifest, persistedCheck } from './pipeline/persisted';

export interface RunningGateway {
  url: string;
  port: number;
  /** Prometheus metrics, on their own port. */
  metricsUrl: string;
  stop(): Promise<void>;
}

/**
 * The gateway: @apollo/gateway and its subgraph clients (graphql/gateway.ts), Apollo Server
 * (graphql/server.ts), and the HTTP steps in front of it (pipeline/index.ts names their order);
 * then the public port and the metrics port.
 */
export async function startGateway(cfg: GatewayConfig, signingKey: string, logger: Logger, registry: Registry): Promise<RunningGateway> {
  const redis = connectRedis(cfg);
  const invalidation = redis && connectInvalidation(cfg, redis);
  const generations = invalidation?.generations;
  if (generations) observeInvalidations(generations, registry);
  const metrics = gatewayMetrics(registry);
  const lifecycle: Lifecycle = { draining: false };
  const manifest = loadManifest(cfg.PERSISTED_OPERATIONS_PATH);
  const { gateway, clients } = createApolloGateway(cfg, signingKey, { redis, registry, logger, generations });

  const httpServer = http.createServer();
  httpServer.keepAliveTimeout = GATEWAY_KEEP_ALIVE_TIMEOUT_MS;
  httpServer.headersTimeout = GATEWAY_KEEP_ALIVE_TIMEOUT_MS + 1000;
  const formatError = formatGatewayError(isProduction(cfg), metrics.errors);
  const { executor, hub } = createLive(cfg, gateway, logger);
  const limits = new ConnectionLimits(cfg.LIVE_MAX_CONNECTIONS_PER_USER, cfg.LIVE_MAX_CONNECTIONS);
  const live: LiveDeps | undefined = executor && hub ? { executor, hub, formatError, logger, limits } : undefined;
  const apollo = createApolloServer(cfg, {
    gateway,
    httpServer,
    redis,
    registry,
    metrics,
    manifest,
    generations,
    formatError,
    liveExecutor: live?.executor,
  });
  await apollo.start();
  const app = gatewayApp(cfg, { apollo, redis, logger, metrics, lifecycle, manifest, signingKey, subgraphUrls: subgraphUrls(cfg), generations, live });
  httpServer.on('request', app);
  // GraphQL over WebSocket on the same port and path (live/ws.ts); the client's address as Express sees it.
  const trust = app.get('trust proxy fn') as Parameters<typeof proxyaddr>[1];
  const ws = wsTransport({
    httpServer,
    apollo,
    live,
    schema: () => gateway.schema,
    verify: createTokenVerifier(cfg),
    take: createRateLimiter(requestLimits(cfg), redis),
    signingKey,
    logger,
    keepAliveMs: cfg.LIVE_KEEPALIVE_MS,
    clientIp: (req) => proxyaddr(req, trust),
    limits,
    persisted: persistedCheck(manifest, cfg.SAFELIST),
  });

  const port = await listen(httpServer, cfg.GATEWAY_PORT);
  const metricsServer = await startMetricsServer(registry, cfg.METRICS_PORT);
  logger.info({ port, metricsPort: metricsServer.port }, 'gateway listening');
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    port,
    metricsUrl: `http://127.0.0.1:${metricsServer.port}/metrics`,
    stop: once(async () => {
      // Fail readiness first and keep serving for SHUTDOWN_DELAY_MS, so the load balancer stops
      // sending before we close sockets; then finish what is in flight and close.
      lifecycle.draining = true;
      if (cfg.SHUTDOWN_DELAY_MS > 0) await new Promise((r) => setTimeout(r, cfg.SHUTDOWN_DELAY_MS));
      // Live streams never finish on their own: end them with a close clients reconnect from
      // (their last event id resumes them on another replica), then drain the rest.
      hub?.close();
      ws.close();
      await apollo.stop();
      await Promise.all(clients.map((c) => c.close()));
      invalidation?.subscriber.disconnect();
      redis?.disconnect();
      await metricsServer.close();
    }),
  };
}

/** One Redis client for the rate limits, APQ, the response cache and the subgraph cache (none when REDIS_URL is unset). */
function connectRedis(cfg: GatewayConfig): Redis | undefined {
  const redis = cfg.REDIS_URL ? createRedisClient(cfg.REDIS_URL, undefined, cfg.REDIS_AUTH_TOKEN) : undefined;
  redis?.on('error', () => {
    /* counted and logged by the users of the client; reconnection is automatic */
  });
  return redis;
}

/**
 * The entity cache's generation counters (entity-cache/generations.ts) on the gateway's Redis,
 * with a connection of its own for the invalidation channel (a subscribed connection can send
 * nothing else). It queues while connecting, so the subscription is made once Redis is there, and
 * is renewed after a reconnection.
 */
function connectInvalidation(cfg: GatewayConfig, redis: Redis): { generations: Generations; subscriber: Redis } {
  const subscriber = redis.duplicate({ enableOfflineQueue: true, commandTimeout: undefined });
  subscriber.on('error', () => {
    /* a replica without the channel converges within the generations' memo time */
  });
  return { generations: new Generations(redis, subscriber), subscriber };
}
