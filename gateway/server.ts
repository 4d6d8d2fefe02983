import http from 'node:http';
import { randomUUID } from 'node:crypto';
import express, { type ErrorRequestHandler, type Request } from 'express';
import cors from 'cors';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { ApolloGateway, RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { Counter, Histogram, type Registry } from 'prom-client';
import { ErrorCode, maskError } from '../platform/errors';
import { INTERNAL_IDENTITY_HEADER, signCaller } from '../platform/identity';
import type { Logger } from '../platform/logger';
import { isProduction } from '../platform/config';
import { AuthError, createTokenVerifier } from './auth';
import type { GatewayConfig } from './config';
import { supergraphFromFile } from './supergraph';

export interface GatewayContext {
  requestId: string;
  userId: string | null;
  partnerId: string | null;
  log: Logger;
  /** The signed identity header for subgraphs, made once per request. */
  identity?: Promise<string>;
}

const REQUEST_ID = /^[A-Za-z0-9._\-]{1,64}$/;

/** Sends the caller's identity, signed, with every subgraph request. */
class SignedDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    url: string,
    private readonly secret: string,
  ) {
    super({ url });
  }

  override async willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<void> {
    // Health checks and schema loads have no request context; they are still signed, anonymously.
    const ctx = context as Partial<GatewayContext>;
    const token = ctx.identity
      ? await ctx.identity
      : await signCaller(this.secret, { userId: null, partnerId: null, requestId: ctx.requestId ?? null });
    request.http?.headers.set(INTERNAL_IDENTITY_HEADER, token);
    if (ctx.requestId) request.http?.headers.set('x-request-id', ctx.requestId);
  }
}

export interface RunningGateway {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export async function startGateway(cfg: GatewayConfig, gatewaySecret: string, logger: Logger, registry: Registry): Promise<RunningGateway> {
  const production = isProduction(cfg);
  const verifyToken = createTokenVerifier(cfg);
  const urls: Record<string, string> = { movies: cfg.MOVIES_URL, ratings: cfg.RATINGS_URL, notifications: cfg.NOTIFICATIONS_URL };

  const gateway = new ApolloGateway({
    supergraphSdl: supergraphFromFile(cfg.SUPERGRAPH_PATH, logger),
    buildService: ({ name, url }) => new SignedDataSource(urls[name] ?? url!, gatewaySecret),
    logger: logger.child({ component: 'apollo-gateway' }),
  });

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
  };

  const app = express();
  app.disable('x-powered-by');
  const httpServer = http.createServer(app);
  httpServer.keepAliveTimeout = 61_000;
  httpServer.headersTimeout = 62_000;

  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    introspection: cfg.introspection,
    csrfPrevention: true,
    includeStacktraceInErrorResponses: !production,
    formatError: (formatted) => {
      const masked = maskError(formatted, production);
      metrics.errors.inc({ code: String(masked.extensions?.code ?? 'UNKNOWN') });
      return masked as typeof formatted;
    },
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      cfg.introspection ? ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false }) : ApolloServerPluginLandingPageDisabled(),
      {
        async requestDidStart() {
          const started = process.hrtime.bigint();
          return {
            async willSendResponse({ contextValue, operationName, errors }) {
              const seconds = Number(process.hrtime.bigint() - started) / 1e9;
              metrics.requests.observe({ operation: operationName ?? 'anonymous', status: errors?.length ? 'error' : 'ok' }, seconds);
              contextValue.log.info(
                { operation: operationName, ms: Math.round(seconds * 1000), errors: errors?.length ?? 0 },
                'graphql request',
              );
            },
          };
        },
      },
    ],
  });
  await apollo.start();

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok', service: 'gateway' });
  });
  app.get('/ready', async (_req, res) => {
    const checks: Record<string, boolean> = {};
    await Promise.all(
      Object.entries(urls).map(async ([name, url]) => {
        const health = new URL('/health', url);
        checks[name] = await fetch(health, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false);
      }),
    );
    const ready = Object.values(checks).every(Boolean);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks });
  });
  app.get('/metrics', async (_req, res) => {
    res.set('Content-Type', registry.contentType);
    res.send(await registry.metrics());
  });

  const origins = cfg.CORS_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean);
  app.use(
    '/graphql',
    cors({ origin: origins.includes('*') ? true : origins, maxAge: 600 }),
    (req, res, next) => {
      const incoming = req.header('x-request-id');
      res.locals.requestId = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
      res.setHeader('x-request-id', res.locals.requestId);
      next();
    },
    async (req, res, next) => {
      try {
        res.locals.userId = await verifyToken(req.header('authorization'));
        next();
      } catch (err) {
        if (!(err instanceof AuthError)) return next(err);
        res.status(401).json({ errors: [{ message: err.message, extensions: { code: ErrorCode.UNAUTHENTICATED } }] });
      }
    },
    express.json({ limit: cfg.BODY_LIMIT }),
    expressMiddleware(apollo, {
      context: async ({ req, res }: { req: Request; res: express.Response }) => {
        const requestId: string = res.locals.requestId;
        const userId: string | null = res.locals.userId ?? null;
        const ctx: GatewayContext = {
          requestId,
          userId,
          partnerId: null,
          log: logger.child({ requestId, userId: userId ?? undefined, client: req.header('apollographql-client-name') ?? undefined }),
        };
        ctx.identity = signCaller(gatewaySecret, { userId, partnerId: null, requestId });
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
  app.use(httpErrors);

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(cfg.GATEWAY_PORT, '0.0.0.0', () => resolve());
  });
  const address = httpServer.address();
  const port = typeof address === 'object' && address ? address.port : cfg.GATEWAY_PORT;
  logger.info({ port }, 'gateway listening');
  let stopping: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    port,
    stop: () => (stopping ??= apollo.stop()),
  };
}
