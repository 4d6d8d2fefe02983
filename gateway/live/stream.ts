import type { ExecutionResult, FormattedExecutionResult, GraphQLError, GraphQLFormattedError } from 'graphql';
import { compareStreamIds, type LiveMessage } from '../../platform/live-bus';
import type { Logger } from '../../platform/logger';
import type { LiveExecutor, PlannedSubscription } from '../apollo-patches/subscriptions';
import type { LiveHub } from './hub';
import type { ConnectionLimits } from './limits';

/** A subscription ready to stream: planned, checked, routed (prepare.ts). */
export interface LiveOperation {
  plan: PlannedSubscription;
  /** The bus topic its events come on (`user:<id>`, `movie:<id>`). */
  topic: string;
  variables: Record<string, unknown>;
  /** Subscriptions with the same key get the same answer to the same event: one execution serves them all. */
  shareKey: string;
  /** The context handed to the subgraph clients (the caller's identity). */
  context: object;
}

/** Why the server ended a stream; the transports turn it into their close (docs/live.md). */
export interface LiveEnd {
  code: 'SHUTTING_DOWN' | 'SLOW_CONSUMER' | 'TOKEN_EXPIRED' | 'LIVE_BUS_UNAVAILABLE';
  message: string;
}

export interface LiveSink {
  next(id: string, result: FormattedExecutionResult): void;
  end(reason: LiveEnd): void;
  /** Results written but not yet taken by the client (the socket's or response's buffer), in bytes. */
  backlog(): number;
}

export interface LiveDeps {
  hub: LiveHub;
  executor: LiveExecutor;
  /** The gateway's error formatting (masking in production, the errors metric). */
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  logger: Logger;
  /** A client further behind than this many bytes is dropped (SLOW_CONSUMER). */
  maxBacklogBytes?: number;
  limits: ConnectionLimits;
}

const DEFAULT_MAX_BACKLOG = 1 << 20;
/** Events of one stream executing at once, ahead of their delivery. */
export const MAX_AHEAD = 16;

/** One execution per (event, share key) in flight: the subscribers of one film share it. */
const executions = new Map<string, Promise<FormattedExecutionResult>>();

/**
 * Streams one subscription: each bus message of its topic, after `lastEventId` when the client
 * resumes (replayed from the stream first, then live, none twice, in the stream's order),
 * executed through the plan and handed to the sink. Returns its close.
 */
export function openLive(
  deps: LiveDeps,
  op: LiveOperation,
  lastEventId: string | undefined,
  sink: LiveSink,
  /** When the caller's token expires (ms since the epoch): the stream ends then with TOKEN_EXPIRED. */
  expiresAt?: number,
): { close(): void } {
  let closed = false;
  let last = lastEventId;
  let replaying = lastEventId !== undefined;
  const early: LiveMessage[] = [];
  let chain: Promise<void> = Promise.resolve();

  /** Messages not yet executed, and how many are executing or executed but not yet delivered. */
  const waiting: LiveMessage[] = [];
  let ahead = 0;
  const enqueue = (m: LiveMessage) => {
    if (closed || (last !== undefined && compareStreamIds(m.id, last) <= 0)) return;
    last = m.id;
    waiting.push(m);
    startMore();
  };
  // Executed ahead, delivered in order: events that arrive together (a burst, a replay) run side
  // by side in one turn under one context, so the subgraph clients batch their calls. At most
  // MAX_AHEAD at once: a resume replaying thousands of events must not send thousands at once.
  const startMore = () => {
    while (ahead < MAX_AHEAD && waiting.length) {
      const m = waiting.shift()!;
      ahead++;
      const running = executeShared(deps, op, m);
      chain = chain.then(() => deliver(m, running));
    }
  };
  const deliver = async (m: LiveMessage, running: Promise<FormattedExecutionResult>) => {
    const result = await running;
    ahead--;
    if (closed) return;
    startMore();
    if (sink.backlog() > (deps.maxBacklogBytes ?? DEFAULT_MAX_BACKLOG))
      return end({ code: 'SLOW_CONSUMER', message: 'The client read too slowly; reconnect with the last event id.' });
    sink.next(m.id, result);
  };
  const end = (reason: LiveEnd) => {
    if (closed) return;
    close();
    sink.end(reason);
  };

  const unlisten = deps.hub.listen(op.topic, (m) => (replaying ? early.push(m) : enqueue(m)));
  const untrack = deps.hub.track(() => end({ code: 'SHUTTING_DOWN', message: 'The gateway is restarting; reconnect with the last event id.' }));
  // A token is checked once, at connect: its expiry ends the stream (the client signs in again).
  const expiry =
    expiresAt === undefined
      ? undefined
      : setTimeout(
          () => end({ code: 'TOKEN_EXPIRED', message: 'The token has expired; subscribe again with a new one.' }),
          Math.max(0, expiresAt - Date.now()),
        );
  const close = () => {
    closed = true;
    clearTimeout(expiry);
    unlisten();
    untrack();
  };

  if (lastEventId !== undefined) {
    deps.hub.replay(op.topic, lastEventId).then(
      ({ messages, complete }) => {
        if (!complete) deps.logger.info({ topic: op.topic, lastEventId }, 'live resume older than the retention window; the feed has the rest');
        for (const m of messages) enqueue(m);
        replaying = false;
        for (const m of early.splice(0)) enqueue(m);
      },
      (err: unknown) => {
        deps.logger.warn({ err: String(err) }, 'live resume failed');
        end({ code: 'LIVE_BUS_UNAVAILABLE', message: 'Events cannot be replayed right now; reconnect shortly.' });
      },
    );
  }
  return { close };
}

function executeShared(deps: LiveDeps, op: LiveOperation, m: LiveMessage): Promise<FormattedExecutionResult> {
  const key = `${m.id}|${op.shareKey}`;
  let running = executions.get(key);
  if (!running) {
    running = execute(deps, op, m);
    executions.set(key, running);
    void running.finally(() => executions.delete(key));
  }
  return running;
}

/**
 * The context of the executions a subscription starts in this turn of the event loop: one object
 * for all of them, so the subgraph clients' batcher (keyed by the context) sends their calls to a
 * subgraph as one batch, and the subgraph's DataLoaders read them in one round trip. A copy of the
 * subscription's context (same caller, same identity), never shared by two subscriptions.
 */
const turnContexts = new WeakMap<object, object>();
function batchContext(op: LiveOperation): object {
  let ctx = turnContexts.get(op.context);
  if (!ctx) {
    ctx = { ...op.context };
    turnContexts.set(op.context, ctx);
    setImmediate(() => turnContexts.delete(op.context));
  }
  return ctx;
}

async function execute(deps: LiveDeps, op: LiveOperation, m: LiveMessage): Promise<FormattedExecutionResult> {
  let result: ExecutionResult;
  try {
    result = await deps.executor.execute(op.plan, m.event, op.variables, batchContext(op));
  } catch (err) {
    deps.logger.error({ err: err instanceof Error ? err.message : String(err), topic: op.topic }, 'live event execution failed');
    result = { data: null, errors: [err as GraphQLError] };
  }
  const errors = result.errors?.map((e) => deps.formatError(typeof e.toJSON === 'function' ? e.toJSON() : { message: String(e.message) }, e));
  // The event id in the result too: graphql-ws carries no SSE id, and clients resume from it.
  return { data: result.data ?? null, ...(errors?.length ? { errors } : {}), extensions: { eventId: m.id } };
}
