import http from 'node:http';
import { randomUUID } from 'node:crypto';
import express from 'express';
import type { DocumentNode } from 'graphql';
import { ApolloServer, type BaseContext } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import type { Registry } from 'prom-client';
import { INTERNAL_IDENTITY_HEADER, InvalidCallerError, REQUEST_ID, createCallerVerifier, type Caller } from '../identity';
import { maskError, ErrorCode } from '../errors';
import { listen, once } from '../http';
import { startMetricsServer, type MetricsServer } from '../metrics';
import type { Logger } from '../logger';
import { operationCacheHints, requestMetrics } from './plugins';
import { runChecks, type ReadinessChecks } from './readiness';

export interface SubgraphServerOptions<Ctx extends BaseContext> {
  name: string;
  port: number;
  /** Prometheus /metrics on their own port (0: a free one). */
  metricsPort: number;
  host?: string;
  typeDefs: DocumentNode;
  resolvers: GraphQLResolverMap<Ctx>;
  /** GATEWAY_PUBLIC_KEY: verifies the gateway's identity header. */
  gatewayPublicKey: string;
  production: boolean;
  logger: Logger;
  registry: Registry;
  buildContext: (caller: Caller, log: Logger, liveEvent?: unknown) => Ctx | Promise<Ctx>;
  /** Dependencies the service cannot answer without; /ready fails while any is false. */
  readiness: ReadinessChecks;
  /** Closes clients after the HTTP server has drained. */
  onShutdown?: () => Promise<void>;
  /** Largest accepted body; the gateway sends far less. */
  bodyLimit?: string;
}

export interface RunningServer {
  url: string;
  port: number;
  metricsUrl: string;
  stop(): Promise<void>;
}

/**
 * The HTTP side of a subgraph: GraphQL at /graphql behind the gateway signature check, plus
 * /health, /ready, and /metrics on a port of its own. Every subgraph runs on this (through
 * startSubgraph) so that they behave alike for operators.
 */
export async function startSubgraphServer<Ctx extends BaseContext>(opts: SubgraphServerOptions<Ctx>): Promise<RunningServer> {
  const verifyCaller = createCallerVerifier(opts.gatewayPublicKey, opts.name);
  const app = express();
  app.disable('x-powered-by');
  const httpServer = http.createServer(app);
  // Above the gateway's keep-alive idle time, so the gateway never reuses a socket we are closing.
  httpServer.keepAliveTimeout = 65_000;
  httpServer.headersTimeout = 66_000;

  const schema = buildSubgraphSchema({ typeDefs: opts.typeDefs, resolvers: opts.resolvers as GraphQLResolverMap<unknown> });
  const apollo = new ApolloServer<Ctx>({
    schema,
    introspection: true,
    // We own SIGTERM handling (readiness first, then drain); Apollo's own handler would close at once.
    stopOnTerminationSignals: false,
    // The gateway batches one request's parallel calls to a subgraph; the operations of a batch
    // share one context (and so its DataLoaders). Only the signed gateway gets this far.
    allowBatchedHttpRequests: true,
    includeStacktraceInErrorResponses: !opts.production,
    formatError: (formatted) => maskError(formatted, opts.production),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      // We do not report to Apollo Studio; inline traces would only cost time.
      ApolloServerPluginInlineTraceDisabled(),
      operationCacheHints(),
      requestMetrics(opts.name, opts.registry, opts.logger),
    ],
  });
  await apollo.start();

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok', service: opts.name });
  });
  app.get('/ready', async (_req, res) => {
    const { ready, checks } = await runChecks(opts.readiness);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', service: opts.name, checks });
  });

  app.use(
    '/graphql',
    async (req, res, next) => {
      try {
        const who = await verifyCaller(req.header(INTERNAL_IDENTITY_HEADER));
        const requestId = req.header('x-request-id');
        const caller: Caller = { ...who, requestId: requestId && REQUEST_ID.test(requestId) ? requestId : null };
        res.locals.caller = caller;
        next();
      } catch (err) {
        if (!(err instanceof InvalidCallerError)) return next(err);
        // Plain JSON in GraphQL's error shape: nothing of the schema is reachable without the gateway.
        res.status(401).json({
          errors: [{ message: 'Requests must come through the Marquee gateway.', extensions: { code: ErrorCode.UNAUTHENTICATED } }],
        });
      }
    },
    express.json({ limit: opts.bodyLimit ?? '1mb' }),
    expressMiddleware(apollo, {
      context: async ({ req, res }) => {
        const caller = res.locals.caller as Caller;
        const log = opts.logger.child({ requestId: caller.requestId ?? randomUUID(), userId: caller.userId ?? undefined });
        return opts.buildContext(caller, log, liveEventOf(req.body));
      },
    }),
  );

  let port: number;
  let metricsServer: MetricsServer;
  try {
    port = await listen(httpServer, opts.port, opts.host);
    metricsServer = await startMetricsServer(opts.registry, opts.metricsPort, opts.host);
  } catch (err) {
    // A port in use: stop what started, so the caller's clean-up leaves nothing running.
    await apollo.stop().catch(() => {});
    throw err;
  }
  opts.logger.info({ port, metricsPort: metricsServer.port }, `${opts.name} subgraph listening`);

  return {
    url: `http://127.0.0.1:${port}/graphql`,
    port,
    metricsUrl: `http://127.0.0.1:${metricsServer.port}/metrics`,
    stop: once(async () => {
      await apollo.stop();
      await opts.onShutdown?.();
      await metricsServer.close();
    }),
  };
}

/**
 * The event a gateway sends with a subscription's primary fetch. Only a single operation carries
 * one: the operations of a batch share one context, which could not tell their events apart.
 * Only the signed gateway gets this far.
 */
function liveEventOf(body: unknown): unknown {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const extensions = (body as { extensions?: unknown }).extensions;
  return extensions && typeof extensions === 'object' ? (extensions as { marqueeLiveEvent?: unknown }).marqueeLiveEvent : undefined;
}
