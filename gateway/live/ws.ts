import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import type { ApolloServer } from '@apollo/server';
import { GraphQLError, parse, type ExecutionArgs, type ExecutionResult, type FormattedExecutionResult, type GraphQLSchema } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import { ErrorCode } from '../../platform/errors';
import { parseStreamId } from '../../platform/live-bus';
import type { Logger } from '../../platform/logger';
import { createCallerSigner } from '../../platform/identity';
import { callerContext, type GatewayContext } from '../graphql/context';
import { AuthError, type TokenVerifier } from '../pipeline/authentication';
import { bodyAsked, type Asked, type Refusal } from '../pipeline/persisted';
import type { RateDecision, Subject } from '../pipeline/rate-limit';
import { tokenExpiry, type ConnectionLimits } from './limits';
import { prepareLive } from './prepare';
import { openLive, type LiveDeps, type LiveEnd } from './stream';

export interface WsOptions {
  httpServer: http.Server;
  apollo: ApolloServer<GatewayContext>;
  live: LiveDeps | undefined;
  /** The gateway's API schema (graphql-ws wants one with each operation it runs). */
  schema: () => GraphQLSchema | undefined;
  verify: TokenVerifier;
  /** One request from the caller's rate budget (pipeline/rate-limit.ts): each subscribe takes one. */
  take: (subject: Subject) => Promise<RateDecision>;
  signingKey: string;
  logger: Logger;
  keepAliveMs: number;
  /** The client's address as the HTTP steps see it (TRUST_PROXY applied). */
  clientIp: (req: http.IncomingMessage) => string;
  /** Connections per user and per replica (shared with SSE). */
  limits: ConnectionLimits;
  /** Registered operations and SAFELIST (pipeline/persisted.ts), as for HTTP requests. */
  persisted: (op: Asked) => Refusal | null;
}

/** One WebSocket connection: who it is, authenticated once in connection_init. */
interface Connection {
  userId: string | null;
  clientIp: string;
}

/** What onSubscribe hands to graphql-ws's execute/subscribe: the operation prepared through Apollo Server. */
type Prepared = { single: FormattedExecutionResult } | { stream: () => AsyncIterableIterator<ExecutionResult> };

/** How a stream's end closes the socket (graphql-ws clients retry 1012, 1013 and 4008, not 4401). */
const CLOSE_CODES: Record<LiveEnd['code'], number> = {
  SHUTTING_DOWN: 1012,
  LIVE_BUS_UNAVAILABLE: 1013,
  SLOW_CONSUMER: 4008,
  TOKEN_EXPIRED: CloseCode.Unauthorized,
};

/**
 * GraphQL over WebSocket, the graphql-ws protocol (subprotocol `graphql-transport-ws`) on
 * /graphql (docs/live.md). A connection authenticates once, with `authorization` (or `token`) in
 * the connection_init payload; an invalid one closes with 4401. Each `subscribe` goes through
 * Apollo Server's pipeline like any request (prepare.ts) and takes one from the caller's rate
 * budget; `extensions.lastEventId` in the payload resumes after that event.
 */
export function wsTransport(opts: WsOptions): { close(): void } {
  const wss = new WebSocketServer({ server: opts.httpServer, path: '/graphql' });
  const connections = new WeakMap<WebSocket, Connection>();
  const signIdentity = createCallerSigner(opts.signingKey);
  useServer<Record<string, unknown> | undefined>(
    {
      onConnect: async (ctx) => {
        const socket = ctx.extra.socket;
        const params = ctx.connectionParams ?? {};
        const authorization =
          typeof params.authorization === 'string' ? params.authorization : typeof params.token === 'string' ? `Bearer ${params.token}` : undefined;
        let userId: string | null;
        try {
          userId = await opts.verify(authorization);
        } catch (err) {
          socket.close(CloseCode.Unauthorized, `UNAUTHENTICATED: ${err instanceof AuthError ? err.message : 'invalid credentials'}`);
          return false;
        }
        const place = opts.limits.acquire(userId);
        if ('code' in place) {
          // 4429 is final for graphql-ws clients (close another connection first); a full replica is worth a retry.
          socket.close(place.scope === 'user' ? CloseCode.TooManyInitialisationRequests : 1013, `${place.code}: ${place.message}`);
          return false;
        }
        // Authenticated once: the token's expiry ends the connection with 4401 TOKEN_EXPIRED.
        const expiresAt = tokenExpiry(authorization);
        const expiry =
          expiresAt === undefined ? undefined : setTimeout(() => socket.close(CLOSE_CODES.TOKEN_EXPIRED, 'TOKEN_EXPIRED'), Math.max(0, expiresAt - Date.now()));
        socket.once('close', () => {
          clearTimeout(expiry);
          place.release();
        });
        connections.set(socket, { userId, clientIp: opts.clientIp(ctx.extra.request) });
        return true;
      },
      onSubscribe: async (ctx, _id, payload) => {
        const conn = connections.get(ctx.extra.socket);
        if (!conn) return [new GraphQLError('Not connected.', { extensions: { code: ErrorCode.UNAUTHENTICATED } })];
        const op = bodyAsked(payload);
        const refusal = op && opts.persisted(op);
        if (refusal) return [new GraphQLError(refusal.message, { extensions: { code: refusal.code } })];
        const subject: Subject = conn.userId ? { kind: 'user', id: conn.userId } : { kind: 'ip', id: conn.clientIp };
        const decision = await opts.take(subject);
        if (!decision.allowed)
          return [
            new GraphQLError(`Too many requests; retry after ${decision.retryAfterSeconds}s.`, {
              extensions: { code: ErrorCode.RATE_LIMITED, retryAfterSeconds: decision.retryAfterSeconds },
            }),
          ];
        const context = callerContext(opts.logger, signIdentity, {
          requestId: randomUUID(),
          userId: conn.userId,
          partnerId: null,
          ip: conn.clientIp,
          rateSubject: subject,
        });
        const prepared = await prepareLive(
          opts.apollo,
          {
            query: payload.query,
            variables: payload.variables ?? undefined,
            operationName: payload.operationName ?? undefined,
            extensions: payload.extensions ?? undefined,
          },
          context,
          'ws',
        );
        if (prepared.kind === 'single' && prepared.status >= 400)
          return (prepared.result.errors ?? []).map((e) => new GraphQLError(e.message, { extensions: e.extensions }));
        const schema = opts.schema();
        if (!schema) return [new GraphQLError('The gateway has no schema yet.', { extensions: { code: 'SUBSCRIPTIONS_UNAVAILABLE' } })];
        let value: Prepared;
        if (prepared.kind === 'single') value = { single: prepared.result };
        else {
          const live = opts.live;
          if (!live) return [new GraphQLError('Subscriptions are off on this gateway.', { extensions: { code: 'SUBSCRIPTIONS_UNAVAILABLE' } })];
          const lastEventId = parseStreamId(typeof payload.extensions?.lastEventId === 'string' ? payload.extensions.lastEventId : undefined);
          value = { stream: () => streamOf(live, prepared.operation, lastEventId, ctx.extra.socket) };
        }
        // graphql-ws reads the operation's type from the document: a query gets execute, a subscription subscribe.
        const document = prepared.kind === 'live' ? prepared.operation.plan.document : parse(payload.query);
        const args: ExecutionArgs = { schema, document, operationName: payload.operationName ?? undefined, contextValue: value };
        return args;
      },
      // Never a document without an operation here: onSubscribe always returns the prepared one.
      execute: (args) => (args.contextValue as Prepared & { single: FormattedExecutionResult }).single as ExecutionResult,
      subscribe: (args) => (args.contextValue as Prepared & { stream: () => AsyncIterableIterator<ExecutionResult> }).stream(),
    },
    wss,
    opts.keepAliveMs,
  );
  return {
    close: () => {
      for (const socket of wss.clients) socket.close(CLOSE_CODES.SHUTTING_DOWN, 'SHUTTING_DOWN');
      wss.close();
    },
  };
}

/** The live stream as the async iterator graphql-ws reads; its return() (the client's complete) closes the stream. */
function streamOf(
  live: LiveDeps,
  operation: Parameters<typeof openLive>[1],
  lastEventId: string | undefined,
  socket: WebSocket,
): AsyncIterableIterator<ExecutionResult> {
  const queue: ExecutionResult[] = [];
  let wake: (() => void) | undefined;
  let done = false;
  const stream = openLive(live, operation, lastEventId, {
    next: (_id, result) => {
      queue.push(result as ExecutionResult);
      wake?.();
    },
    end: (reason) => {
      done = true;
      wake?.();
      socket.close(CLOSE_CODES[reason.code], reason.code);
    },
    backlog: () => socket.bufferedAmount,
  });
  const iterator: AsyncIterableIterator<ExecutionResult> = {
    async next() {
      while (queue.length === 0 && !done) await new Promise<void>((r) => (wake = r));
      const value = queue.shift();
      return value ? { value, done: false } : { value: undefined, done: true };
    },
    async return() {
      done = true;
      stream.close();
      wake?.();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
