import type { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import type Redis from 'ioredis';
import type { Logger } from '../../platform/logger';
import type { GatewayConfig } from '../config';
import { graphqlContext, type GatewayContext } from '../graphql/context';
import type { GatewayMetrics } from '../metrics';
import { sseTransport } from '../live/sse';
import type { LiveDeps } from '../live/stream';
import { createAuthFailureLimiter, credentialGuard } from './auth-failures';
import { createTokenVerifier, userToken } from './authentication';
import type { Generations } from '../entity-cache/generations';
import { httpErrors, jsonBody, notFound } from './body';
import { cacheInvalidation } from './cache-invalidation';
import { corsPolicy } from './cors';
import { healthRoutes } from './health';
import { inflight, type Lifecycle } from './inflight';
import { createPartnerLookup, partnerKey } from './partner-key';
import { persistedOperations, type PersistedOperation } from './persisted';
import { createRateLimiter, rateLimit, requestLimits } from './rate-limit';
import { requestId } from './request-id';
import { securityHeaders } from './security-headers';
import { tokenLimit } from './token-limit';

export interface PipelineParts {
  apollo: ApolloServer<GatewayContext>;
  redis: Redis | undefined;
  logger: Logger;
  metrics: GatewayMetrics;
  lifecycle: Lifecycle;
  manifest: PersistedOperation[];
  /** GATEWAY_SIGNING_KEY: signs each caller's identity for the subgraphs. */
  signingKey: string;
  /** Where /ready checks each subgraph. */
  subgraphUrls: Record<string, string>;
  /** The entity cache's generation counters (with Redis), which the operators' invalidation bumps. */
  generations?: Generations;
  /** Subscriptions' bus and executor; undefined when they are off (live/). */
  live?: LiveDeps;
}

/**
 * The gateway's HTTP app. Every request to /graphql goes through the steps below, top to bottom;
 * a step that refuses answers at once (in GraphQL's error shape, docs/errors.md) and the rest
 * never run. Each step is one module of this folder.
 */
export function gatewayApp(cfg: GatewayConfig, p: PipelineParts): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // No ETag: it hashes every response body, and a GraphQL POST is never answered 304.
  app.set('etag', false);
  app.set('trust proxy', cfg.TRUST_PROXY);
  // Failed credentials from one IP share a budget, whichever step finds them (auth-failures.ts).
  const context = graphqlContext(p.logger, p.signingKey, cfg.NODE_ENV === 'development');
  const credentials = credentialGuard(createAuthFailureLimiter(cfg.RATE_LIMIT_AUTH_FAILURES, p.redis), p.metrics.rateLimited, p.logger);

  // CSP is left to the page: the Sandbox landing page loads Apollo's embed script.
  app.use(securityHeaders({ contentSecurityPolicy: false, crossOriginEmbedderPolicy: false }));
  // http://localhost:4000 opens Sandbox (local mode) at the GraphQL endpoint.
  app.get('/', (_req, res) => res.redirect(302, '/graphql'));
  app.use(healthRoutes(p.subgraphUrls, p.lifecycle));
  // Operators' cache invalidation (CACHE_INVALIDATION_TOKEN), outside the GraphQL steps.
  app.use(cacheInvalidation({ token: cfg.CACHE_INVALIDATION_TOKEN, generations: p.generations, credentials, logger: p.logger }));
  app.use(
    '/graphql',
    corsPolicy(cfg.CORS_ORIGINS), // CORS_ORIGINS; a preflight ends here
    requestId(), // x-request-id: kept or made, echoed, sent to the subgraphs, logged
    credentials.gate, // 429 for credentials from an IP that has used up its failed authentications
    userToken(createTokenVerifier(cfg), credentials), // Authorization: Bearer <JWT> is a user, or 401
    partnerKey(createPartnerLookup(cfg.PARTNER_KEYS), credentials), // x-api-key is a partner, or 401
    rateLimit(createRateLimiter(requestLimits(cfg), p.redis), p.metrics.rateLimited, p.logger), // 429 per partner, user or IP
    jsonBody(cfg.BODY_LIMIT), // 413 beyond BODY_LIMIT, 400 for malformed JSON (httpErrors)
    persistedOperations(p.manifest, cfg.SAFELIST), // registered ids; with SAFELIST=enforce nothing else (403)
    tokenLimit(cfg.MAX_TOKENS), // 400 TOO_MANY_TOKENS before anything parses the document
    inflight(p.metrics.inflight, p.lifecycle), // the in-flight gauge; Connection: close while draining
    // accept: text/event-stream: GraphQL over SSE, through Apollo Server's pipeline, then streamed (live/sse.ts).
    sseTransport({ apollo: p.apollo, context, live: p.live, keepAliveMs: cfg.LIVE_KEEPALIVE_MS }),
    // Apollo Server: parsing, operation limits, demand control, the query plan and subgraph calls (graphql/server.ts).
    expressMiddleware(p.apollo, { context }),
  );
  app.use(notFound());
  app.use(httpErrors(cfg.BODY_LIMIT, p.logger));
  return app;
}
