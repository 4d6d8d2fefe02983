import { context as otelContext, propagation } from '@opentelemetry/api';
import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { LRUCache } from 'lru-cache';
import { Pool } from 'undici';
import { Counter, Histogram, type Registry } from 'prom-client';
import { INTERNAL_IDENTITY_HEADER, createCallerSigner } from '../platform/identity';
import { deepFreeze, recipeKey, shareAlong, type PlanRecipes, type Recipe } from './apollo-patches/answer-sharing';
import { RecentWriters, storableFor, type Hint, type Hit, type SubgraphAnswerCache } from './subgraph-cache';

/**
 * The gateway's subgraph client, in place of RemoteGraphQLDataSource. It does what that class
 * does — POST the subgraph operation, parse the answer, fold the subgraph's Cache-Control into
 * the response's cache policy — with less work per call (undici's pooled `request` instead of
 * a node-fetch Request plus a fetch), and three additions:
 *
 * - every call carries the caller's signed identity (the only way into a subgraph);
 * - batching: the calls one client request makes to this subgraph in the same turn of the event
 *   loop (the fetches of one `Parallel` plan node) go as one HTTP request whose body is the JSON
 *   array of the operations. The subgraph runs them with one context, so its DataLoaders read
 *   both entity sets in one database round trip. Mutations are never batched;
 * - deduplication: identical subgraph queries in flight at the same moment share one call —
 *   for the same caller always, and across callers when the subgraph marks the answer
 *   `Cache-Control: public` (it says the answer depends on no one's identity). Never mutations;
 * - caching (`cache`): public answers of queries are kept for their max-age and served to anyone
 *   without a call (gateway/subgraph-cache.ts).
 */
export interface SubgraphClientOptions {
  name: string;
  url: string;
  /** GATEWAY_SIGNING_KEY: signs the identity of calls made outside a client request. */
  signingKey: string;
  timeoutMs: number;
  connections: number;
  dedupe: boolean;
  /**
   * Send the same request's parallel calls as one batched HTTP request. A subgraph that refuses
   * a batch, however it says so, gets that request's calls one by one and no batch for
   * BATCH_RETRY_MS (see flush).
   */
  batch?: boolean;
  registry?: Registry;
  /** Tests: deep-freeze answers shared read-only, so that a write into one throws. */
  freezeSharedAnswers?: boolean;
  /** Public answers of query operations, kept for their max-age (see subgraph-cache.ts). */
  cache?: SubgraphAnswerCache;
}

interface CallerContext {
  identity?: (subgraph: string) => Promise<string>;
  /** How this request's plan may write into subgraph answers (set by the gateway's didResolveQueryPlan hook). */
  answerRecipes?: PlanRecipes | null;
  requestId?: string;
  userId?: string | null;
  partnerId?: string | null;
  /** An anonymous caller's IP (signed into its identity): its own share of upstream budgets. */
  clientIp?: string | null;
}

type AnswerBody = { data?: Record<string, unknown> | null; errors?: GatewayGraphQLResponse['errors']; extensions?: Record<string, unknown> };

/**
 * One operation's answer, which several requests may take (deduplication). The gateway merges
 * into the objects it gets, so requests must not share what it writes into:
 *
 * - with the plan's recipe (answer-sharing.ts), every taker gets fresh objects only where its
 *   plan may write, over one parsed answer that no one writes to;
 * - without one, the first taker gets the object parsed on arrival and later ones parse the text
 *   again (cheaper than structuredClone, and nothing is copied unless a second taker comes).
 */
class Answer {
  private parsed: AnswerBody;
  /** Who has the object parsed on arrival: no one yet, the sharers (read-only), or one taker (to write into). */
  private owner: 'none' | 'shared' | 'given' = 'none';
  private shared: AnswerBody | undefined;
  private parsedHint: Hint | undefined;
  constructor(
    parsed: AnswerBody,
    private readonly reparse: () => AnswerBody,
    readonly cacheControl: string | undefined,
    private readonly freeze = false,
    /** The answer's own JSON text, when it came alone (not as one element of a batch). */
    private readonly text?: string,
  ) {
    this.parsed = parsed;
  }

  /** The untouched answer as JSON (for the subgraph cache), taking nothing from the takers. */
  serialized(): { json: string; body: AnswerBody } {
    const body = this.owner === 'given' ? this.reparse() : this.parsed;
    return { json: this.text ?? JSON.stringify(body), body };
  }

  take(recipe: Recipe | undefined): AnswerBody {
    if (recipe) {
      if (!this.shared) {
        this.shared = this.owner === 'given' ? this.reparse() : this.parsed;
        if (this.owner === 'none') this.owner = 'shared';
        if (this.freeze) deepFreeze(this.shared);
      }
      const { data, errors, extensions } = this.shared;
      // Errors are rare and the gateway rewrites them: a whole copy.
      return { data: shareAlong(data, recipe), errors: errors && (JSON.parse(JSON.stringify(errors)) as AnswerBody['errors']), extensions };
    }
    if (this.owner === 'none') {
      this.owner = 'given';
      return this.parsed;
    }
    return this.reparse();
  }

  /** The subgraph's Cache-Control, read once however many takers ask. */
  get hint(): Hint {
    return (this.parsedHint ??= cacheHint(this.cacheControl));
  }

  /** The subgraph says any caller may be given this answer. */
  get isPublic(): boolean {
    return this.hint.scope === 'PUBLIC' && this.hint.maxAge > 0;
  }
}

/** A cache hit: the answer, and what it adds to the response's cache policy now (the seconds it has left). */
interface CacheAnswer {
  answer: Answer;
  hint: Hint;
}

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

/**
 * How long a subgraph that refused a batch gets single calls before a batch is tried again: long
 * enough that a subgraph without batching costs one wasted round trip per 10 minutes, short
 * enough that one deployed with batching (or back from a 5xx) is batched again soon.
 */
export const BATCH_RETRY_MS = 10 * 60_000;

/** A subgraph answered with an HTTP status outside 2xx. */
class SubgraphHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const metricsByRegistry = new WeakMap<
  Registry,
  { latency: Histogram<'subgraph' | 'status'>; deduped: Counter<'subgraph' | 'scope'>; batched: Counter<'subgraph'>; batchRefused: Counter<'subgraph'> }
>();

function metricsFor(registry: Registry | undefined) {
  if (!registry) return undefined;
  let m = metricsByRegistry.get(registry);
  if (!m) {
    m = {
      latency: new Histogram({
        name: 'marquee_gateway_subgraph_fetch_seconds',
        help: 'Subgraph call latency seen by the gateway',
        labelNames: ['subgraph', 'status'],
        buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        registers: [registry],
      }),
      deduped: new Counter({
        name: 'marquee_gateway_subgraph_deduplicated_total',
        help: 'Subgraph operations answered by an identical call already in flight (scope: caller = same caller, public = another caller, public answer)',
        labelNames: ['subgraph', 'scope'],
        registers: [registry],
      }),
      batched: new Counter({
        name: 'marquee_gateway_subgraph_batched_operations_total',
        help: 'Subgraph operations sent inside a batched HTTP request with others',
        labelNames: ['subgraph'],
        registers: [registry],
      }),
      batchRefused: new Counter({
        name: 'marquee_gateway_subgraph_batch_refused_total',
        help: 'Batched HTTP requests a subgraph refused (non-2xx, or not an array of as many results): its calls were sent one by one',
        labelNames: ['subgraph'],
        registers: [registry],
      }),
    };
    metricsByRegistry.set(registry, m);
  }
  return m;
}

export class SubgraphClient implements GraphQLDataSource<Record<string, unknown>> {
  private readonly pool: Pool;
  private readonly path: string;
  /** In flight, by caller and body. */
  private readonly inflight = new Map<string, Promise<Answer>>();
  /** In flight, by body alone: the first such call, whose answer other callers may share if it is public. */
  private readonly inflightAnyCaller = new Map<string, Promise<Answer>>();
  /** Whether each subgraph operation (its text: the query plan's fetch) was answered public last time. */
  private readonly publicLastTime = new LRUCache<string, boolean>({ max: 1000 });
  /** Calls of one client request waiting for the end of this turn of the event loop. */
  private readonly queues = new Map<object, Queue>();
  private readonly metrics;
  /** Answers already written to the cache (a shared answer reaches several callers). */
  private readonly stored = new WeakSet<Answer>();
  private readonly writers = new RecentWriters();
  /** The answers of recent cache hits, parsed once, by cache key (with the text they were parsed from). */
  private readonly hitAnswers = new LRUCache<string, { text: string; answer: Answer }>({
    maxSize: 16 * 1024 * 1024,
    sizeCalculation: (e) => e.text.length * 3 + 64,
  });
  /** For calls made outside a client request (health checks). */
  private readonly anonymous;
  /** Until when this subgraph gets no batches (it refused the last one: see flush). */
  private batchRefusedUntil = 0;

  constructor(private readonly opts: SubgraphClientOptions) {
    const url = new URL(opts.url);
    this.path = url.pathname + url.search;
    // Idle sockets close well before the subgraph's 65 s keep-alive timeout: never write to a
    // socket the other side is closing.
    this.pool = new Pool(url.origin, { connections: opts.connections, keepAliveTimeout: 30_000, keepAliveMaxTimeout: 60_000, pipelining: 1 });
    this.metrics = metricsFor(opts.registry);
    this.anonymous = createCallerSigner(opts.signingKey);
  }

  async process(options: GraphQLDataSourceProcessOptions<Record<string, unknown>>): Promise<GatewayGraphQLResponse> {
    const { request } = options;
    if (!request.query) throw new Error('Missing query');
    const ctx = options.context as CallerContext;
    const body = JSON.stringify({ query: request.query, variables: request.variables, operationName: request.operationName, extensions: request.extensions });
    const isMutation = /^\s*mutation\b/.test(request.query);

    const cache = isMutation ? undefined : this.opts.cache;
    const caller = `${ctx.userId ?? ''}|${ctx.partnerId ?? ''}`;
    // Anonymous callers share one key: a mark for it would turn the cache off for all of them.
    if (isMutation && this.opts.cache && caller !== '|') this.writers.wrote(caller);
    // Looked up unless answered private last time: a private operation pays for one lookup per
    // process, and a new replica takes what the others keep in Redis from its first request.
    const lookup = cache && this.publicLastTime.get(request.query) !== false && !this.writers.has(caller);
    const key = lookup ? cache.key(this.opts.name, this.opts.url, body) : undefined;
    const cached = cache && key ? await this.fromCache(cache, key) : undefined;
    const answer =
      cached?.answer ??
      // Anonymous callers are told apart by IP here: their calls draw on their own TMDB shares,
      // so one's refusal must not become another's answer (public answers are still shared).
      (this.opts.dedupe && !isMutation
        ? await this.deduplicated(request.query, body, ctx.clientIp ? `${caller}|${ctx.clientIp}` : caller, ctx)
        : await this.call(body, ctx, !isMutation));
    if (!cached && !isMutation) this.publicLastTime.set(request.query, answer.isPublic);
    if (cache && !cached) this.remember(cache, key ?? (() => cache.key(this.opts.name, this.opts.url, body)), answer);

    // The kind's enum is not exported by @apollo/gateway; only incoming operations carry a request context.
    if ('incomingRequestContext' in options) {
      const policy = options.incomingRequestContext.overallCachePolicy as { restrict?: (hint: Hint) => void } | undefined;
      policy?.restrict?.(cached ? cached.hint : answer.hint);
    }
    const parsed = answer.take(ctx.answerRecipes?.get(recipeKey(this.opts.name, request.query)));
    return { data: parsed.data, errors: parsed.errors, extensions: parsed.extensions };
  }

  /** Synchronous for an in-process hit, so that it costs no turn of the event loop. */
  private fromCache(cache: SubgraphAnswerCache, key: string): CacheAnswer | Promise<CacheAnswer | undefined> | undefined {
    const hit = cache.peek(key);
    if (hit || !cache.shared) return this.cacheResult(cache, key, hit);
    return cache.lookup(key).then((h) => this.cacheResult(cache, key, h));
  }

  private cacheResult(cache: SubgraphAnswerCache, key: string, hit: Hit | undefined): CacheAnswer | undefined {
    cache.count(this.opts.name, hit ? 'hit' : 'miss');
    if (!hit) return undefined;
    this.writers.saw(hit.maxAge);
    const { text } = hit;
    // The same entry again: its parsed answer is shared like a deduplicated one (copied where written).
    let reused = this.hitAnswers.get(key);
    if (reused?.text !== text) {
      reused = {
        text,
        answer: new Answer(checkResult(this.parse(text), this.opts.name), () => JSON.parse(text) as AnswerBody, 'public', this.opts.freezeSharedAnswers, text),
      };
      this.hitAnswers.set(key, reused);
    }
    return { answer: reused.answer, hint: { maxAge: hit.maxAge, scope: 'PUBLIC' } };
  }

  /** Stores a public answer under `key` (the lookup's, or computed here when there was no lookup). */
  private remember(cache: SubgraphAnswerCache, key: string | (() => string), answer: Answer): void {
    if (!answer.isPublic) return;
    this.writers.saw(answer.hint.maxAge);
    if (this.stored.has(answer)) return;
    this.stored.add(answer);
    const { json, body: answerBody } = answer.serialized();
    const seconds = storableFor(answer.hint, answerBody);
    if (seconds > 0) cache.store(typeof key === 'string' ? key : key(), json, seconds);
  }

  private async deduplicated(query: string, body: string, caller: string, ctx: CallerContext): Promise<Answer> {
    const key = `${caller}|${body}`;
    const mine = this.inflight.get(key);
    if (mine) {
      this.metrics?.deduped.inc({ subgraph: this.opts.name, scope: 'caller' });
      return mine;
    }
    // Only where this operation's last answer was public: waiting for another caller's answer
    // that then is not ours would cost a round trip, and lose this call's place in its batch.
    const other = this.publicLastTime.get(query) ? this.inflightAnyCaller.get(body) : undefined;
    if (other) {
      // Wait for the other caller's answer: if the subgraph made it public, it is ours too.
      const theirs = await other.catch(() => undefined);
      if (theirs?.isPublic) {
        this.metrics?.deduped.inc({ subgraph: this.opts.name, scope: 'public' });
        return theirs;
      }
      const sameCallerMeanwhile = this.inflight.get(key);
      if (sameCallerMeanwhile) return sameCallerMeanwhile;
    }
    const call = this.call(body, ctx, true);
    this.inflight.set(key, call);
    if (!this.inflightAnyCaller.has(body)) this.inflightAnyCaller.set(body, call);
    const forget = () => {
      this.inflight.delete(key);
      if (this.inflightAnyCaller.get(body) === call) this.inflightAnyCaller.delete(body);
    };
    call.then(forget, forget);
    return call;
  }

  /** Sends one operation: at once, or with the other calls of the same client request in this turn. */
  private async call(body: string, ctx: CallerContext, batchable: boolean): Promise<Answer> {
    const identity = await (ctx.identity?.(this.opts.name) ?? this.anonymous({ userId: null, partnerId: null }, this.opts.name));
    if (!this.opts.batch || !batchable || Date.now() < this.batchRefusedUntil) return this.sendOne(body, identity, ctx.requestId);
    let queue = this.queues.get(ctx);
    if (!queue) {
      const q: Queue = { identity, requestId: ctx.requestId, calls: [] };
      queue = q;
      this.queues.set(ctx, q);
      // setImmediate runs after every fetch of the current plan node has been issued.
      setImmediate(() => {
        this.queues.delete(ctx);
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
    this.metrics?.batched.inc({ subgraph: this.opts.name }, q.calls.length);
    let batch: { text: string; cacheControl: string | undefined };
    try {
      batch = await this.send(`[${q.calls.map((c) => c.body).join(',')}]`, q.identity, q.requestId);
    } catch (err) {
      // Any HTTP status outside 2xx answering an array is a refusal, whatever its wording (Apollo
      // Server: 400 "batching disabled"; graphql-yoga: 400 "Batching is not supported."; others
      // 404, 405, 413, 422, 500…). The calls are queries, so sending them again is safe. No status
      // (the subgraph cannot be reached) fails them all: sending each would not reach it either.
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
    this.batchRefusedUntil = Date.now() + BATCH_RETRY_MS;
    this.metrics?.batchRefused.inc({ subgraph: this.opts.name });
    for (const c of q.calls) this.sendOne(c.body, q.identity, q.requestId).then(c.resolve, c.reject);
  }

  private async sendOne(body: string, identity: string, requestId: string | undefined): Promise<Answer> {
    const { text, cacheControl } = await this.send(body, identity, requestId);
    return new Answer(checkResult(this.parse(text), this.opts.name), () => JSON.parse(text) as AnswerBody, cacheControl, this.opts.freezeSharedAnswers, text);
  }

  private parse(text: string): unknown {
    try {
      return JSON.parse(text);
    } catch {
      throw new Error(`subgraph ${this.opts.name} sent a response that is not JSON`);
    }
  }

  private async send(body: string, identity: string, requestId: string | undefined): Promise<{ text: string; cacheControl: string | undefined }> {
    const headers: Record<string, string> = { 'content-type': 'application/json', [INTERNAL_IDENTITY_HEADER]: identity };
    if (requestId) headers['x-request-id'] = requestId;
    // W3C trace context, when OpenTelemetry is on (a no-op otherwise).
    propagation.inject(otelContext.active(), headers);
    const started = process.hrtime.bigint();
    let status = 'error';
    try {
      // undici's own timers, not an AbortSignal.timeout per call: one less timer and signal per call.
      const res = await this.pool.request({
        path: this.path,
        method: 'POST',
        headers,
        body,
        headersTimeout: this.opts.timeoutMs,
        bodyTimeout: this.opts.timeoutMs,
      });
      status = String(res.statusCode);
      const text = await res.body.text();
      if (res.statusCode < 200 || res.statusCode >= 300) {
        throw new SubgraphHttpError(res.statusCode, `${res.statusCode}: subgraph ${this.opts.name} answered ${text.slice(0, 200)}`);
      }
      const cc = res.headers['cache-control'];
      return { text, cacheControl: Array.isArray(cc) ? cc.join(',') : cc };
    } catch (err) {
      // No HTTP status: the call never got an answer (refused, reset, timed out).
      if (status === 'error') {
        const e = err as { code?: string; name?: string; message?: string };
        throw new Error(`Couldn't reach subgraph ${this.opts.name}: ${e.code ?? e.name ?? 'error'} ${e.message ?? ''}`.trim(), { cause: err });
      }
      throw err;
    } finally {
      this.metrics?.latency.observe({ subgraph: this.opts.name, status }, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

function isResultObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function checkResult(value: unknown, subgraph: string): AnswerBody {
  if (!isResultObject(value)) throw new Error(`subgraph ${subgraph} sent a response that is not a GraphQL result`);
  return value as AnswerBody;
}

/** An operation's own hint in a batch answer, where the subgraph states one (platform/subgraph-server.ts). */
function ownCacheControl(result: AnswerBody): string | undefined {
  const hint = result.extensions?.cacheControl as { maxAge?: unknown; scope?: unknown } | undefined;
  if (typeof hint?.maxAge !== 'number' || (hint.scope !== 'PUBLIC' && hint.scope !== 'PRIVATE')) return undefined;
  return `max-age=${hint.maxAge}, ${hint.scope.toLowerCase()}`;
}

/** The cache hint a subgraph's Cache-Control header stands for (as RemoteGraphQLDataSource reads it). */
export function cacheHint(header: string | undefined): Hint {
  const hint: Hint = { maxAge: 0 };
  if (!header) return hint;
  for (const part of header.split(',').map((p) => p.trim().toLowerCase())) {
    const m = /^max-age=(\d+)$/.exec(part);
    if (m) hint.maxAge = Number(m[1]);
    if (part === 'private') hint.scope = 'PRIVATE';
    if (part === 'public') hint.scope = 'PUBLIC';
  }
  return hint;
}
