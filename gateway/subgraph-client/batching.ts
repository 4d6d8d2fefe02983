import type { Counter } from 'prom-client';
import { Answer, answerFromText, isResultObject, type AnswerBody } from './answer';
import { SubgraphHttpError } from './errors';
import type { Transport } from './transport';

/**
 * How long a subgraph that refused a batch gets single calls before a batch is tried again: long
 * enough that a subgraph without batching costs one wasted round trip per 10 minutes, short
 * enough that one deployed with batching (or back from a 5xx) is batched again soon.
 */
export const BATCH_RETRY_MS = 10 * 60_000;

interface Pending {
  body: string;
  resolve: (a: Answer) => void;
  reject: (e: unknown) => void;
}

interface Queue {
  identity: string;
  requestId: string | undefined;
  calls: Pending[];
}

export interface BatcherOptions {
  subgraph: string;
  transport: Transport;
  /** SUBGRAPH_BATCHING: off sends every call alone. */
  enabled: boolean;
  freezeSharedAnswers: boolean;
  metrics?: { batched: Counter<'subgraph'>; batchRefused: Counter<'subgraph'> };
}

/**
 * Batching: the calls one client request makes to this subgraph in the same turn of the event
 * loop (the fetches of one `Parallel` plan node) go as one HTTP request whose body is the JSON
 * array of the operations. The subgraph runs them with one context, so its DataLoaders read both
 * entity sets in one database round trip. Mutations are never batched. A subgraph that refuses a
 * batch, however it says so, gets that request's calls one by one and no batch for BATCH_RETRY_MS.
 */
export class Batcher {
  /** Calls of one client request waiting for the end of this turn of the event loop. */
  private readonly queues = new Map<object, Queue>();
  /** Until when this subgraph gets no batches (it refused the last one: see flush). */
  private refusedUntil = 0;

  constructor(private readonly opts: BatcherOptions) {}

  /** Sends one operation: at once, or with the other calls of the same client request (`request`) in this turn. */
  send(body: string, identity: string, requestId: string | undefined, request: object, batchable: boolean): Promise<Answer> {
    if (!this.opts.enabled || !batchable || Date.now() < this.refusedUntil) return this.sendOne(body, identity, requestId);
    let queue = this.queues.get(request);
    if (!queue) {
      const q: Queue = { identity, requestId, calls: [] };
      queue = q;
      this.queues.set(request, q);
      // setImmediate runs after every fetch of the current plan node has been issued.
      setImmediate(() => {
        this.queues.delete(request);
        void this.flush(q);
      });
    }
    return new Promise<Answer>((resolve, reject) => queue.calls.push({ body, resolve, reject }));
  }

  private async flush(q: Queue): Promise<void> {
    if (q.calls.length === 1) {
      const [only] = q.calls;
      return this.sendOne(only.body, q.identity, q.requestId).then(only.resolve, only.reject);
    }
    this.opts.metrics?.batched.inc({ subgraph: this.opts.subgraph }, q.calls.length);
    let batch: { text: string; cacheControl: string | undefined };
    try {
      batch = await this.opts.transport.send(`[${q.calls.map((c) => c.body).join(',')}]`, q.identity, q.requestId);
    } catch (err) {
      // Any HTTP status outside 2xx answering an array is a refusal, whatever its wording (Apollo
      // Server and graphql-yoga answer 400; others 404, 405, 413, 422, 500…). The calls are
      // queries, so sending them again is safe. No status (the subgraph cannot be reached) fails
      // them all: sending each would not reach it either.
      if (err instanceof SubgraphHttpError) return this.refused(q);
      for (const c of q.calls) c.reject(err);
      return;
    }
    const { text, cacheControl } = batch;
    const results = parseOrUndefined(text);
    // A 2xx that is not an array of as many GraphQL results (a server that read only the first
    // operation, or answered one error object) is a refusal too: its answer belongs to no call.
    if (!Array.isArray(results) || results.length !== q.calls.length || !results.every(isResultObject)) return this.refused(q);
    // The batch's Cache-Control is the most restrictive of its operations': safe for each, but
    // an operation's own hint, where the subgraph gives one, keeps a public one public.
    q.calls.forEach((c, i) => {
      const result = results[i] as AnswerBody;
      c.resolve(new Answer(result, () => (JSON.parse(text) as AnswerBody[])[i], ownCacheControl(result) ?? cacheControl, this.opts.freezeSharedAnswers));
    });
  }

  /** The subgraph refused a batch: this request's calls go one by one, and the next ones too for BATCH_RETRY_MS. */
  private refused(q: Queue): void {
    this.refusedUntil = Date.now() + BATCH_RETRY_MS;
    this.opts.metrics?.batchRefused.inc({ subgraph: this.opts.subgraph });
    for (const c of q.calls) this.sendOne(c.body, q.identity, q.requestId).then(c.resolve, c.reject);
  }

  private async sendOne(body: string, identity: string, requestId: string | undefined): Promise<Answer> {
    const { text, cacheControl } = await this.opts.transport.send(body, identity, requestId);
    return answerFromText(this.opts.subgraph, text, cacheControl, this.opts.freezeSharedAnswers);
  }
}

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** An operation's own hint in a batch answer, where the subgraph states one (platform/kit/plugins.ts). */
function ownCacheControl(result: AnswerBody): string | undefined {
  const hint = result.extensions?.cacheControl as { maxAge?: unknown; scope?: unknown } | undefined;
  if (typeof hint?.maxAge !== 'number' || (hint.scope !== 'PUBLIC' && hint.scope !== 'PRIVATE')) return undefined;
  return `max-age=${hint.maxAge}, ${hint.scope.toLowerCase()}`;
}
