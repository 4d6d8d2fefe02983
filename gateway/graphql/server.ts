import type http from 'node:http';
import { ApolloServer, type GraphQLRequestContext } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import type { ApolloGateway } from '@apollo/gateway';
import responseCachePlugin from '@apollo/server-plugin-response-cache';
import type Redis from 'ioredis';
import type { Registry } from 'prom-client';
import type { KeyValueCache } from '@apollo/utils.keyvaluecache';
import { isProduction } from '../../platform/config';
import type { Generations } from '../entity-cache/generations';
import { entityCacheMetrics } from '../entity-cache/metrics';
import { DependentResponseCache } from '../entity-cache/response-cache';
import { cacheTracePlugin } from '../entity-cache/trace';
import { boundedLabel } from '../../platform/metric-labels';
import type { LiveExecutor } from '../apollo-patches/subscriptions';
import type { GatewayConfig } from '../config';
import { liveCapture } from '../live/prepare';
import type { GatewayMetrics } from '../metrics';
import type { PersistedOperation } from '../pipeline/persisted';
import { costLimits, createCostRateLimiter } from '../pipeline/rate-limit';
import { clientUsagePlugin } from './client-usage';
import type { GatewayContext } from './context';
import { costBudget, costPlugin } from './cost-plugin';
import { formatGatewayError } from './errors';
import { createKeyValueCache } from './kv-cache';
import { createArmor } from './limits';
import { operationChecks } from './operation-checks';
import { requestLog } from './request-log';
import { supergraphFacts } from './supergraph-facts';

/** The response cache's store: with the generations, each response is stamped with them and invalidated by events. */
function responseCacheStore(cache: KeyValueCache<string>, generations: Generations | undefined, registry: Registry) {
  if (!generations) return { cache };
  const dependent = new DependentResponseCache(
    generations,
    (context) => (context as Partial<GatewayContext>).cacheDependencies,
    entityCacheMetrics(registry)?.responses,
  );
  return {
    cache: dependent.wrap(cache),
    generateCacheKey: dependent.generateCacheKey,
    // Not when a fetch could not tell its generations (Redis down), or a write came in between.
    shouldWriteToCache: ({ contextValue }: GraphQLRequestContext<GatewayContext>) => Promise.resolve(!contextValue.cacheDependencies.unknown),
  };
}

export interface ApolloServerParts {
  gateway: ApolloGateway;
  httpServer: http.Server;
  redis: Redis | undefined;
  registry: Registry;
  metrics: GatewayMetrics;
  /** The persisted operations: their names are the operation label's known values. */
  manifest: PersistedOperation[];
  /** Plans and runs subscriptions for the streaming transports; undefined when they are off. */
  liveExecutor?: LiveExecutor;
  /** The error formatting, shared with the streaming transports (made here when not given). */
  formatError?: ReturnType<typeof formatGatewayError>;
  /** The entity cache's generations (with Redis): cached responses are dropped when what they show changes. */
  generations?: Generations;
}

/**
 * Apollo Server over the gateway: CSRF prevention, no HTTP batching, APQ in Redis, the operation
 * limits, and the plugins in the order they run their hooks (the order decides which refusal wins
 * when several apply): armor, demand control and the cost-unit rate limit, drain, client usage,
 * response cache, landing page, the operation checks, the request log.
 */
export function createApolloServer(cfg: GatewayConfig, parts: ApolloServerParts): ApolloServer<GatewayContext> {
  const { gateway, httpServer, redis, registry, metrics } = parts;
  const armor = createArmor(cfg);
  const facts = supergraphFacts(cfg.SUPERGRAPH_PATH);
  // Operation names come from clients: bounded to the manifest's and the first others seen.
  const operationLabel = boundedLabel({ known: parts.manifest.map((o) => o.name), missing: 'anonymous' });
  return new ApolloServer<GatewayContext>({
    gateway,
    introspection: cfg.introspection,
    csrfPrevention: true,
    // We own SIGTERM handling (readiness first, then drain); Apollo's own handler would close at once.
    stopOnTerminationSignals: false,
    allowBatchedHttpRequests: false,
    includeStacktraceInErrorResponses: !isProduction(cfg),
    validationRules: armor.validationRules,
    persistedQueries: { cache: createKeyValueCache(redis, 'marquee:apq:'), ttl: 24 * 3600 },
    formatError: parts.formatError ?? formatGatewayError(isProduction(cfg), metrics.errors),
    plugins: [
      ...armor.plugins,
      costPlugin<GatewayContext>({
        facts,
        maxCost: cfg.MAX_COST,
        registry,
        charge: costBudget(createCostRateLimiter(costLimits(cfg), redis), metrics.rateLimited),
      }),
      ApolloServerPluginDrainHttpServer({ httpServer }),
      clientUsagePlugin(registry),
      ...(cfg.RESPONSE_CACHE === 'on'
        ? [
            responseCachePlugin<GatewayContext>({
              // Anything with viewer data is cached per user, never shared.
              sessionId: async ({ contextValue }) => contextValue.userId,
              ...responseCacheStore(createKeyValueCache(redis, 'marquee:rc:'), parts.generations, registry),
            }),
          ]
        : []),
      cfg.introspection ? ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false }) : ApolloServerPluginLandingPageDisabled(),
      cacheTracePlugin<GatewayContext>(),
      operationChecks(facts),
      // Last: a subscription from a streaming transport is planned and kept for it instead of executed.
      liveCapture(parts.liveExecutor),
      requestLog(metrics.requests, operationLabel),
    ],
  });
}
