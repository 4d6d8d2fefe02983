import http from 'node:http';
import { randomUUID } from 'node:crypto';
import express, { type ErrorRequestHandler, type Request } from 'express';
import cors from 'cors';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { ApolloGateway } from '@apollo/gateway';
import responseCachePlugin from '@apollo/server-plugin-response-cache';
import { GraphQLError } from 'graphql';
import type Redis from 'ioredis';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { createRedisClient } from '../platform/cache';
import { ErrorCode, maskError } from '../platform/errors';
import { REQUEST_ID, createCallerSigner } from '../platform/identity';
import type { Logger } from '../platform/logger';
import { isProduction } from '../platform/config';
import { boundedLabel } from '../platform/metric-labels';
import { listen, once } from '../platform/http';
import { startMetricsServer } from '../platform/metrics';
import { AuthError, createTokenVerifier } from './auth';
import type { GatewayConfig } from './config';
import { supergraphFromFile } from './supergraph';
import { clientUsagePlugin } from './client-usage';
import { SubgraphClient } from './subgraph-client';
import { securityHeaders } from './security-headers';
import type { PlanRecipes } from './apollo-patches/answer-sharing';
import { planReader } from './apollo-patches';
import { SubgraphAnswerCache } from './subgraph-cache';
import { createKeyValueCache } from './kv-cache';
import { createArmor, LIMIT_ERROR_CODES, limitCode, tokenLimit } from './limits';
import { costPlugin } from './cost-plugin';
import { authenticatedRootFieldsFromFile, selectsAuthenticated } from './authenticated';
import { createPartnerLookup, type Partner } from './partners';
import { loadManifest, persistedOperations } from './persisted';
import { createAuthFailureLimiter, createCostRateLimiter, createRateLimiter, type Subject } from './rate-limit';

/** What the HTTP steps before Apollo leave on `res.locals` (Express types it as `any`). */
interface GatewayLocals {
  requestId: string;
  userId?: string | null;
  partner?: Partner;
  /** Who the rate limits count this request against (the cost-unit limit reads it too). */
  rateSubject?: Subject;
}

const locals = (res: express.Response) => res.locals as GatewayLocals;

export interface GatewayContext {
  requestId: string;
  userId: string | null;
  partnerId: string | null;
  /** The client IP of an anonymous caller (null when signed in), as signed into its identity. */
  clientIp: string | null;
  log: Logger;
  /** The signed identity header for one subgraph (its name is the token's audience). */
  identity?: (subgraph: string) => Promise<string>;
  /** Whose request and cost budgets this request draws from (rate-limit.ts). */
  rateSubject: Subject;
  /** Where this request's query plan writes into subgraph answers (null: a plan not analysed). */
  answerRecipes?: PlanRecipes | null;
}

export interface RunningGateway {
  url: string;
  port: number;
  /** Prometheus metrics, on their own port. */
  metricsUrl: string;
  stop(): Promise<void>;
}

export async function startGateway(cfg: GatewayConfig, signingKey: string, logger: Logger, registry: Registry): Promise<RunningGateway> {
  const production = isProduction(cfg);
  const verifyToken = createTokenVerifier(cfg);
  const urls: Record<string, string> = { movies: cfg.MOVIES_URL, ratings: cfg.RATINGS_URL, notifications: cfg.NOTIFICATIONS_URL };

  const redis: Redis | undefined = cfg.REDIS_URL ? createRedisClient(cfg.REDIS_URL, undefined, cfg.REDIS_AUTH_TOKEN) : undefined;
  redis?.on('error', () => {
    /* counted and logged by the users of the client; reconnection is automatic */
  });
  const subgraphCache =
    cfg.SUBGRAPH_CACHE === 'on' ? new SubgraphAnswerCache({ redis, registry, logger: logger.child({ component: 'subgraph-cache' }) }) : undefined;
  const clients: SubgraphClient[] = [];
  const gateway = new ApolloGateway({
    supergraphSdl: supergraphFromFile(cfg.SUPERGRAPH_PATH, logger),
    buildService: ({ name, url }) => {
      const client = new SubgraphClient({
        name,
        url: urls[name] ?? url!,
        signingKey,
        timeoutMs: cfg.SUBGRAPH_TIMEOUT_MS,
        connections: cfg.SUBGRAPH_CONNECTIONS,
        dedupe: cfg.SUBGRAPH_DEDUPE === 'on',
        batch: cfg.SUBGRAPH_BATCHING === 'on',
        freezeSharedAnswers: cfg.SUBGRAPH_FREEZE_SHARED === 'on',
        cache: subgraphCache,
        registry,
      });
      clients.push(client);
      return client;
    },
    logger: logger.child({ component: 'apollo-gateway' }),
    // Tells the subgraph clients which parts of their answers this plan writes into, so that
    // requests sharing an answer copy only those (apollo-patches/answer-sharing.ts). Once per
    // cached plan. Not with APOLLO_PATCHES=off: whole copies then.
    experimental_didResolveQueryPlan: planReader(cfg.APOLLO_PATCHES, (context, recipes) => {
      (context as GatewayContext).answerRecipes = recipes;
    }),
  });
  const findPartner = createPartnerLookup(cfg.PARTNER_KEYS);
  const signIdentity = createCallerSigner(signingKey);
  const rateLimit = createRateLimiter(
    {
      anonymousPerMinute: cfg.RATE_LIMIT_ANONYMOUS,
      userPerMinute: cfg.RATE_LIMIT_USER,
      tiers: { standard: cfg.RATE_LIMIT_PARTNER_STANDARD, premium: cfg.RATE_LIMIT_PARTNER_PREMIUM, internal: cfg.RATE_LIMIT_PARTNER_INTERNAL },
    },
    redis,
  );
  const costRateLimit = createCostRateLimiter(
    {
      anonymousPerMinute: cfg.RATE_LIMIT_COST_ANONYMOUS,
      userPerMinute: cfg.RATE_LIMIT_COST_USER,
      tiers: { standard: cfg.RATE_LIMIT_COST_PARTNER_STANDARD, premium: cfg.RATE_LIMIT_COST_PARTNER_PREMIUM, internal: cfg.RATE_LIMIT_COST_PARTNER_INTERNAL },
    },
    redis,
  );
  const authFailures = createAuthFailureLimiter(cfg.RATE_LIMIT_AUTH_FAILURES, redis);
  const armor = createArmor(cfg);
  const manifest = loadManifest(cfg.PERSISTED_OPERATIONS_PATH);
  // Operation names come from clients: bounded to the manifest's and the first others seen.
  const operationLabel = boundedLabel({ known: manifest.map((o) => o.name), missing: 'anonymous' });
  const publicCodes = [...LIMIT_ERROR_CODES, 'PAYLOAD_TOO_LARGE', 'OPERATION_NOT_IN_SAFELIST', 'SUBGRAPH_UNAVAILABLE'];
  let draining = false;
  // Root fields that need a caller (@authenticated in the supergraph), read once per schema.
  let authenticated = new Map<string, Set<string>>();
  let authenticatedFor: unknown;

  const metrics = {
    requests: new Histogram({
      name: 'marquee_gateway_request_duration_seconds',
      help: 'GraphQL operations served by the gateway',
      labelNames: ['operation', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    errors: new Counter({
      name: 'marquee_gateway_errors_total',
      help: 'GraphQL errors returned to clients, by code',
      labelNames: ['code'],
      registers: [registry],
    }),
    inflight: new Gauge({ name: 'marquee_gateway_inflight_requests', help: 'GraphQL requests being served', registers: [registry] }),
    rateLimited: new Counter({
      name: 'marquee_gateway_rate_limited_total',
      help: 'Requests refused by the rate limiter',
      labelNames: ['kind'],
      registers: [registry],
    }),
  };

  const app = express();
  app.disable('x-powered-by');
  // No ETag: it hashes every response body, and a GraphQL POST is never answered 304.
  app.set('etag', false);
  const httpServer = http.createServer(app);
  httpServer.keepAliveTimeout = 61_000;
  httpServer.headersTimeout = 62_000;

  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    introspection: cfg.introspection,
    csrfPrevention: true,
    // We own SIGTERM handling (readiness first, then drain); Apollo's own handler would close at once.
    stopOnTerminationSignals: false,
    allowBatchedHttpRequests: false,
    includeStacktraceInErrorResponses: !production,
    validationRules: armor.validationRules,
    persistedQueries: { cache: createKeyValueCache(redis, 'marquee:apq:'), ttl: 24 * 3600 },
    formatError: (formatted) => {
      const limit = limitCode(formatted.message);
      // graphql-armor's token check parses first and reports syntax errors as validation failures.
      const parse = !limit && formatted.extensions?.code === 'GRAPHQL_VALIDATION_FAILED' && formatted.message.startsWith('Syntax Error:');
      const code = limit ?? (parse ? 'GRAPHQL_PARSE_FAILED' : undefined);
      const coded = code ? { ...formatted, extensions: { ...formatted.extensions, code } } : subgraphUnavailable(formatted);
      const masked = maskError(coded, production, publicCodes);
      metrics.errors.inc({ code: typeof masked.extensions?.code === 'string' ? masked.extensions.code : 'UNKNOWN' });
      return masked;
    },
    plugins: [
      ...armor.plugins,
      costPlugin<GatewayContext>({
        supergraphPath: cfg.SUPERGRAPH_PATH,
        maxCost: cfg.MAX_COST,
        registry,
        charge:
          costRateLimit &&
          (async ({ rateSubject, log }, estimated) => {
            const decision = await costRateLimit(rateSubject, estimated);
            if (decision.allowed) return;
            metrics.rateLimited.inc({ kind: `cost-${rateSubject.kind}` });
            log.info({ kind: rateSubject.kind, cost: estimated }, 'cost rate limited');
            throw costRateLimitedError(decision.retryAfterSeconds);
          }),
      }),
      ApolloServerPluginDrainHttpServer({ httpServer }),
      clientUsagePlugin(registry),
      ...(cfg.RESPONSE_CACHE === 'on'
        ? [
            responseCachePlugin<GatewayContext>({
              cache: createKeyValueCache(redis, 'marquee:rc:'),
              // Anything with viewer data is cached per user, never shared.
              sessionId: async ({ contextValue }) => contextValue.userId,
            }),
          ]
        : []),
      cfg.introspection ? ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false }) : ApolloServerPluginLandingPageDisabled(),
      {
        // An operation the document does not have is the client's error (400). A root field the
        // subgraphs mark @authenticated (every Marquee mutation) needs a caller: refused here,
        // before any subgraph call, so an anonymous mutation never reaches a subgraph nor marks
        // anyone as a recent writer (subgraph cache). Read again when the supergraph changes.
        async requestDidStart() {
          return {
            async didResolveOperation({ operation, request, contextValue, document, schema }) {
              // Apollo leaves this to the executor, and @apollo/gateway's answers it with a 500.
              if (!operation) {
                const message = request.operationName
                  ? `Unknown operation named "${request.operationName}".`
                  : 'Must provide operation name if query contains multiple operations.';
                throw new GraphQLError(message, { extensions: { code: 'OPERATION_RESOLUTION_FAILURE', http: { status: 400 } } });
              }
              if (!contextValue.userId && !contextValue.partnerId) {
                if (authenticatedFor !== schema) {
                  authenticated = authenticatedRootFieldsFromFile(cfg.SUPERGRAPH_PATH);
                  authenticatedFor = schema;
                }
                const field = selectsAuthenticated(authenticated, document, operation);
                if (field)
                  throw new GraphQLError(`You must be signed in to use ${field}.`, { extensions: { code: ErrorCode.UNAUTHENTICATED, http: { status: 401 } } });
              }
            },
          };
        },
      },
      {
        async requestDidStart() {
          const started = process.hrtime.bigint();
          return {
            async willSendResponse({ contextValue, operationName, errors }) {
              const seconds = Number(process.hrtime.bigint() - started) / 1e9;
              metrics.requests.observe({ operation: operationLabel(operationName), status: errors?.length ? 'error' : 'ok' }, seconds);
              contextValue.log.info({ operation: operationName, ms: Math.round(seconds * 1000), errors: errors?.length ?? 0 }, 'graphql request');
            },
          };
        },
      },
    ],
  });
  await apollo.start();

  app.set('trust proxy', cfg.TRUST_PROXY);
  // CSP is left to the page: the Sandbox landing page loads Apollo's embed script.
  app.use(securityHeaders({ contentSecurityPolicy: false, crossOriginEmbedderPolicy: false }));
  // http://localhost:4000 opens Sandbox (local mode) at the GraphQL endpoint.
  app.get('/', (_req, res) => res.redirect(302, '/graphql'));
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok', service: 'gateway' });
  });
  app.get('/ready', async (_req, res) => {
    if (draining) {
      res.status(503).json({ status: 'draining' });
      return;
    }
    const checks: Record<string, boolean> = {};
    await Promise.all(
      Object.entries(urls).map(async ([name, url]) => {
        const health = new URL('/health', url);
        checks[name] = await fetch(health, { signal: AbortSignal.timeout(2000) }).then(
          (r) => r.ok,
          () => false,
        );
      }),
    );
    const ready = Object.values(checks).every(Boolean);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks });
  });

  const origins = cfg.CORS_ORIGINS.split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  app.use(
    '/graphql',
    cors({ origin: origins.includes('*') ? true : origins, maxAge: 600 }),
    (req, res, next) => {
      const incoming = req.header('x-request-id');
      const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
      locals(res).requestId = requestId;
      res.setHeader('x-request-id', requestId);
      next();
    },
    async (req, res, next) => {
      const authorization = req.header('authorization');
      const apiKey = req.header('x-api-key');
      if (authorization === undefined && apiKey === undefined) return next();
      const ip = req.ip ?? 'unknown';
      const tooMany = (retryAfterSeconds: number) => {
        metrics.rateLimited.inc({ kind: 'auth-failures' });
        logger.info({ requestId: locals(res).requestId, ip }, 'authentication failures rate limited');
        res.setHeader('Retry-After', String(retryAfterSeconds));
        res.status(429).json({
          errors: [
            { message: `Too many failed authentications; retry after ${retryAfterSeconds}s.`, extensions: { code: ErrorCode.RATE_LIMITED, retryAfterSeconds } },
          ],
        });
      };
      // Refused before the credentials are checked: key guessing gets nothing from this IP.
      const wait = await authFailures.blocked(ip);
      if (wait > 0) return tooMany(wait);
      const refuse = async (message: string) => {
        const exhausted = await authFailures.failed(ip);
        if (exhausted > 0) return tooMany(exhausted);
        res.status(401).json({ errors: [{ message, extensions: { code: ErrorCode.UNAUTHENTICATED } }] });
      };
      try {
        locals(res).userId = await verifyToken(authorization);
      } catch (err) {
        if (!(err instanceof AuthError)) return next(err);
        return refuse(err.message);
      }
      if (apiKey !== undefined) {
        const partner = findPartner(apiKey);
        if (!partner) return refuse('Unknown API key.');
        locals(res).partner = partner;
      }
      next();
    },
    async (req, res, next) => {
      const { partner, userId } = locals(res);
      const subject: Subject = partner
        ? { kind: 'partner', id: partner.id, tier: partner.tier }
        : userId
          ? { kind: 'user', id: userId }
          : { kind: 'ip', id: req.ip ?? 'unknown' };
      locals(res).rateSubject = subject;
      const decision = await rateLimit(subject);
      if (decision.allowed) return next();
      metrics.rateLimited.inc({ kind: subject.kind });
      logger.info({ requestId: locals(res).requestId, ip: req.ip, kind: subject.kind }, 'rate limited');
      res.setHeader('Retry-After', String(decision.retryAfterSeconds));
      res.status(429).json({
        errors: [
          {
            message: `Too many requests; retry after ${decision.retryAfterSeconds}s.`,
            extensions: { code: ErrorCode.RATE_LIMITED, retryAfterSeconds: decision.retryAfterSeconds },
          },
        ],
      });
    },
    express.json({ limit: cfg.BODY_LIMIT }),
    persistedOperations(manifest, cfg.SAFELIST),
    tokenLimit(cfg.MAX_TOKENS),
    (_req, res, next) => {
      // While draining, ask keep-alive clients not to reuse the socket.
      if (draining) res.setHeader('connection', 'close');
      metrics.inflight.inc();
      res.once('close', () => metrics.inflight.dec());
      next();
    },
    expressMiddleware(apollo, {
      context: async ({ req, res }: { req: Request; res: express.Response }) => {
        const { requestId } = locals(res);
        const userId = locals(res).userId ?? null;
        const partnerId = locals(res).partner?.id ?? null;
        // Anonymous callers carry their IP, so each gets its own share of the TMDB budget.
        const clientIp = userId || partnerId ? null : (req.ip ?? null);
        const ctx: GatewayContext = {
          requestId,
          userId,
          partnerId,
          clientIp,
          rateSubject: res.locals.rateSubject as Subject,
          log: logger.child({
            requestId,
            ip: req.ip,
            userId: userId ?? undefined,
            partnerId: partnerId ?? undefined,
            client: req.header('apollographql-client-name')?.slice(0, 64),
            clientVersion: req.header('apollographql-client-version')?.slice(0, 64),
          }),
        };
        const who = { userId, partnerId, clientIp };
        ctx.identity = (subgraph) => signIdentity(who, subgraph);
        return ctx;
      },
    }),
  );

  // Body parser and other HTTP-level failures answer in GraphQL's error shape with a stable code.
  const httpErrors: ErrorRequestHandler = (err, _req, res, _next) => {
    const e = err as { type?: string; status?: number };
    if (e.type === 'entity.too.large') {
      res.status(413).json({ errors: [{ message: `Request body too large (limit ${cfg.BODY_LIMIT}).`, extensions: { code: 'PAYLOAD_TOO_LARGE' } }] });
    } else if (e.type === 'entity.parse.failed') {
      res.status(400).json({ errors: [{ message: 'Request body is not valid JSON.', extensions: { code: 'BAD_REQUEST' } }] });
    } else if (e.status && e.status >= 400 && e.status < 500) {
      res.status(e.status).json({ errors: [{ message: 'Bad request.', extensions: { code: 'BAD_REQUEST' } }] });
    } else {
      logger.error({ err }, 'unhandled gateway error');
      res.status(500).json({ errors: [{ message: 'Internal server error', extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } }] });
    }
  };
  // Anything else (including /metrics, in any spelling: it has its own port) is a 404.
  app.use((_req, res) => {
    res.status(404).json({ errors: [{ message: 'Not found.', extensions: { code: ErrorCode.NOT_FOUND } }] });
  });
  app.use(httpErrors);

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
      draining = true;
      if (cfg.SHUTDOWN_DELAY_MS > 0) await new Promise((r) => setTimeout(r, cfg.SHUTDOWN_DELAY_MS));
      await apollo.stop();
      await Promise.all(clients.map((c) => c.close()));
      redis?.disconnect();
      await metricsServer.close();
    }),
  };
}

/** An operation over its caller's cost budget per minute: HTTP 429 with Retry-After, like the request limit's. */
function costRateLimitedError(retryAfterSeconds: number): GraphQLError {
  // Apollo takes the headers as a Map; graphql-yoga (a benchmark peer) types them as a record.
  const headers = new HeaderMap([['retry-after', String(retryAfterSeconds)]]) as unknown as Record<string, string>;
  return new GraphQLError(`Too much demand-control cost this minute; retry after ${retryAfterSeconds}s.`, {
    extensions: { code: ErrorCode.RATE_LIMITED, retryAfterSeconds, http: { status: 429, headers } },
  });
}

/**
 * A subgraph that cannot be reached becomes a stable SUBGRAPH_UNAVAILABLE on the fields it
 * owns; the rest of the response still answers.
 */
function subgraphUnavailable<T extends { message: string; extensions?: Record<string, unknown> }>(formatted: T): T {
  const code = formatted.extensions?.code;
  const fetchFailed = /ECONNREFUSED|ECONNRESET|fetch failed|socket hang up|aborted|timeout|503: Service Unavailable|Couldn't reach/i.test(formatted.message);
  if ((code === undefined || code === 'INTERNAL_SERVER_ERROR' || code === 'SUBREQUEST_HTTP_ERROR') && fetchFailed) {
    const service = formatted.extensions?.serviceName;
    return {
      ...formatted,
      message: `The ${typeof service === 'string' ? service : 'upstream'} service is unavailable; these fields could not be loaded.`,
      extensions: { code: 'SUBGRAPH_UNAVAILABLE', ...(typeof service === 'string' ? { service } : {}) },
    };
  }
  return formatted;
}
