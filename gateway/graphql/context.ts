import type { Request, Response } from 'express';
import { createCallerSigner } from '../../platform/identity';
import type { Logger } from '../../platform/logger';
import type { PlanRecipes } from '../apollo-patches/answer-sharing';
import type { LiveRequest } from '../live/prepare';
import { RequestDependencies } from '../entity-cache/fetch-deps';
import { CACHE_TRACE_HEADER, type CacheTrace } from '../entity-cache/trace';
import { locals } from '../pipeline/locals';
import type { Subject } from '../pipeline/rate-limit';

/** What every resolver, plugin and subgraph call of one request sees. */
export interface GatewayContext {
  requestId: string;
  userId: string | null;
  partnerId: string | null;
  /** The client IP of an anonymous caller (null when signed in), as signed into its identity. */
  clientIp: string | null;
  log: Logger;
  /** The signed identity header for one subgraph (its name is the token's audience). */
  identity?: (subgraph: string) => Promise<string>;
  /** Whose request and cost budgets this request draws from (pipeline/rate-limit.ts). */
  rateSubject: Subject;
  /** Where this request's query plan writes into subgraph answers (null: a plan not analysed). */
  answerRecipes?: PlanRecipes | null;
  /** The generations this request's subgraph fetches were made under (entity-cache/fetch-deps.ts), for the response cache. */
  cacheDependencies: RequestDependencies;
  /** Development, when the request asks (x-marquee-cache-trace): where each fetch came from. */
  cacheTrace?: CacheTrace;
  /** Set by a streaming transport (SSE, WebSocket): a subscription is captured here to stream (live/prepare.ts). */
  live?: LiveRequest;
}

/** Who a request is, as the HTTP steps (or a WebSocket's connection_init) found it. */
export interface CallerParts {
  requestId: string;
  userId: string | null;
  partnerId: string | null;
  roles?: string[];
  /** The client's address, logged; signed into the identity only when anonymous. */
  ip: string | null;
  rateSubject: Subject;
  client?: string;
  clientVersion?: string;
  /** Development: the request asked for the cache trace (x-marquee-cache-trace: 1). */
  traceCache?: boolean;
}

/** The context of one operation: the caller, their log and identity signer. */
export function callerContext(logger: Logger, signIdentity: ReturnType<typeof createCallerSigner>, p: CallerParts): GatewayContext {
  // Anonymous callers carry their IP, so each gets its own share of the TMDB budget.
  const clientIp = p.userId || p.partnerId ? null : p.ip;
  const ctx: GatewayContext = {
    requestId: p.requestId,
    userId: p.userId,
    partnerId: p.partnerId,
    clientIp,
    rateSubject: p.rateSubject,
    cacheDependencies: new RequestDependencies(),
    ...(p.traceCache ? { cacheTrace: { fetches: [] } } : {}),
    log: logger.child({
      requestId: p.requestId,
      ip: p.ip ?? undefined,
      userId: p.userId ?? undefined,
      partnerId: p.partnerId ?? undefined,
      client: p.client?.slice(0, 64),
      clientVersion: p.clientVersion?.slice(0, 64),
    }),
  };
  const roles = p.roles ?? [];
  const who = { userId: p.userId, partnerId: p.partnerId, clientIp, ...(roles.length ? { roles } : {}) };
  ctx.identity = (subgraph) => signIdentity(who, subgraph);
  return ctx;
}

/** Apollo's context function: the request as the HTTP steps left it (pipeline/locals.ts), and the caller's identity signer. */
export function graphqlContext(logger: Logger, signingKey: string, traceCache = false): (args: { req: Request; res: Response }) => Promise<GatewayContext> {
  const signIdentity = createCallerSigner(signingKey);
  return async ({ req, res }) => {
    const { requestId, rateSubject, partner } = locals(res);
    return callerContext(logger, signIdentity, {
      requestId,
      userId: locals(res).userId ?? null,
      partnerId: partner?.id ?? null,
      roles: partner?.roles,
      ip: req.ip ?? null,
      rateSubject: rateSubject as Subject,
      client: req.header('apollographql-client-name'),
      clientVersion: req.header('apollographql-client-version'),
      traceCache: traceCache && req.header(CACHE_TRACE_HEADER) === '1',
    });
  };
}
