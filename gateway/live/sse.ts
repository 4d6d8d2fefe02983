import type { ApolloServer, GraphQLRequest } from '@apollo/server';
import { HeaderMap } from '@apollo/server';
import type { Request, RequestHandler, Response } from 'express';
import type { FormattedExecutionResult } from 'graphql';
import { parseStreamId } from '../../platform/live-bus';
import type { GatewayContext } from '../graphql/context';
import { tokenExpiry } from './limits';
import { prepareLive } from './prepare';
import { openLive, type LiveDeps, type LiveEnd } from './stream';

export interface SseOptions {
  apollo: ApolloServer<GatewayContext>;
  /** The context Apollo's HTTP integration would build for this request (graphql/context.ts). */
  context: (args: { req: Request; res: Response }) => Promise<GatewayContext>;
  /** Undefined when subscriptions are off or have no bus: they are refused, other operations still stream. */
  live: LiveDeps | undefined;
  keepAliveMs: number;
}

/**
 * GraphQL over Server-Sent Events, graphql-sse's "distinct connections" mode (docs/live.md): a
 * POST to /graphql with `accept: text/event-stream`, after every HTTP step of the pipeline (so
 * the token, the rate limits and the safelist apply as to any request). A subscription answers
 * 200 and a stream of `next` events, each with an `id:` (the live bus's event id) that the client
 * sends back as `Last-Event-ID` to resume; a query or mutation answers one `next` and `complete`;
 * a refusal before any event is an ordinary JSON error answer with its status.
 */
export function sseTransport(opts: SseOptions): RequestHandler {
  return (req, res, next) => {
    if (req.method !== 'POST' || !acceptsEventStream(req.header('accept'))) return next();
    void serve(opts, req, res).catch(next);
  };
}

export function acceptsEventStream(accept: string | undefined): boolean {
  return !!accept && accept.split(',').some((part) => part.trim().split(';')[0].toLowerCase() === 'text/event-stream');
}

async function serve(opts: SseOptions, req: Request, res: Response): Promise<void> {
  const body = (req.body ?? {}) as { query?: string; variables?: Record<string, unknown>; operationName?: string; extensions?: Record<string, unknown> };
  const context = await opts.context({ req, res });
  const request: GraphQLRequest = {
    query: body.query,
    variables: body.variables ?? undefined,
    operationName: body.operationName ?? undefined,
    extensions: body.extensions ?? undefined,
    http: { method: 'POST', headers: headerMap(req), search: '', body },
  };
  const prepared = await prepareLive(opts.apollo, request, context, 'sse');
  if (prepared.kind === 'single' && prepared.status >= 400) {
    res.status(prepared.status).json(prepared.result);
    return;
  }
  if (prepared.kind === 'single') {
    startStream(res);
    res.end(frame('next', prepared.result) + frame('complete'));
    return;
  }
  if (!opts.live) return void res.status(503).end();
  const place = opts.live.limits.acquire(context.userId);
  if ('code' in place) {
    res.status(place.scope === 'user' ? 429 : 503).json({ errors: [{ message: place.message, extensions: { code: place.code, scope: place.scope } }] });
    return;
  }
  startStream(res);
  const ping = setInterval(() => res.write(':\n\n'), opts.keepAliveMs);
  const lastEventId =
    parseStreamId(req.header('last-event-id')) ?? parseStreamId(typeof body.extensions?.lastEventId === 'string' ? body.extensions.lastEventId : undefined);
  const stream = openLive(
    opts.live,
    prepared.operation,
    lastEventId,
    {
      next: (id: string, result: FormattedExecutionResult) => res.write(`id: ${id}\n${frame('next', result)}`),
      end: (reason: LiveEnd) => {
        clearInterval(ping);
        res.end(endEvent(reason));
      },
      backlog: () => res.writableLength,
    },
    tokenExpiry(req.header('authorization')),
  );
  res.once('close', () => {
    clearInterval(ping);
    stream.close();
    place.release();
  });
}

function startStream(res: Response): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    // Proxies (nginx) must not buffer the stream.
    'x-accel-buffering': 'no',
  });
  // A first comment flushes the head through every browser and proxy.
  res.write(':\n\n');
}

/**
 * How a stream ends from our side. An expired token is final: the error, then `complete` (the
 * client must sign in again). Anything else ends the response without `complete`, which the
 * graphql-sse client (and EventSource) treat as a dropped connection and retry with the last
 * event id; the comment says why to anyone reading the raw stream.
 */
function endEvent(reason: LiveEnd): string {
  if (reason.code === 'TOKEN_EXPIRED') {
    return frame('next', { errors: [{ message: reason.message, extensions: { code: reason.code } }] }) + frame('complete');
  }
  return `: ${reason.code} ${reason.message}\n\n`;
}

/** One event of graphql-sse's stream: `event:` and its JSON `data:` (none for `complete` in distinct connections mode). */
function frame(event: 'next' | 'complete', data?: unknown): string {
  return `event: ${event}\ndata:${data === undefined ? '' : ` ${JSON.stringify(data)}`}\n\n`;
}

function headerMap(req: Request): HeaderMap {
  const map = new HeaderMap();
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) map.set(k, Array.isArray(v) ? v.join(', ') : v);
  return map;
}
