import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { LRUCache } from 'lru-cache';
import type { Registry } from 'prom-client';
import { createCallerSigner } from '../../platform/identity';
import { recipeKey, type PlanRecipes } from '../apollo-patches/answer-sharing';
import { fetchDependencies, generationsOf, generationsPart, type RequestDependencies } from '../entity-cache/fetch-deps';
import type { Generations } from '../entity-cache/generations';
import { CACHE_TAGS } from '../entity-cache/fetch-deps';
import { entityDependencies, entityEntryKey, keyOf, type Dependency } from '../entity-cache/tags';
import type { CacheTrace } from '../entity-cache/trace';
import type { Hint, SubgraphAnswerCache } from '../subgraph-cache';
import type { Answer } from './answer';
import { Batcher } from './batching';
import { CacheUse, type EntityHit } from './cache-use';
import { fetchEntities, storableEntities, type EntityAnswer } from './entity-split';
import { InFlight } from './dedup';
import { subgraphClientMetrics } from './metrics';
import { foldRepresentations, unfoldAnswer } from './representations';
import { Transport } from './transport';

export { BATCH_RETRY_MS } from './batching';
export { cacheHint } from './answer';
export { SubgraphHttpError, SubgraphUnavailableError, unavailableSubgraph } from './errors';

/**
 * The gateway's subgraph client, in place of RemoteGraphQLDataSource. It does what that class
 * does — POST the subgraph operation, parse the answer, fold the subgraph's Cache-Control into
 * the response's cache policy — with less work per call, and more. One module per concern:
 *
 * - transport.ts: the HTTP call on undici's pool; every call carries the caller's signed identity
 *   (the only way into a subgraph);
 * - batching.ts: one client request's parallel calls to this subgraph as one HTTP request;
 * - dedup.ts: identical queries in flight share one call (across callers for public answers);
 * - cache-use.ts: public answers of queries kept for their max-age (gateway/subgraph-cache.ts);
 * - answer.ts: who owns an answer several requests take, so that none writes into another's.
 *
 * This file decides, per call, which of them apply.
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
   * BATCH_RETRY_MS (batching.ts).
   */
  batch?: boolean;
  registry?: Registry;
  /** Tests: deep-freeze answers shared read-only, so that a write into one throws. */
  freezeSharedAnswers?: boolean;
  /** Public answers of query operations, kept for their max-age (see subgraph-cache.ts). */
  cache?: SubgraphAnswerCache;
  /**
   * The entity cache's generation counters (gateway/entity-cache/generations.ts), with Redis:
   * every kept answer is keyed by the generations of what it depends on, so the events that bump
   * them (the relay's, an operator's) make it unreachable in every replica at once.
   */
  generations?: Generations;
  /** SUBGRAPH_DEDUPE_REPRESENTATIONS: an entity fetch sends each distinct representation once (representations.ts). */
  distinctRepresentations?: boolean;
  /**
   * SUBGRAPH_ENTITY_CACHE: with the cache, an `_entities` fetch is cached per entity (each
   * representation under its own key and generations), and only the entities not kept are sent.
   * Off: the whole fetch answer is kept, as for root fields.
   */
  entityCache?: boolean;
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
  /** The generations this request's fetches were made under (for the response cache). */
  cacheDependencies?: RequestDependencies;
  /** Development, on request: where each fetch was answered from (entity-cache/trace.ts). */
  cacheTrace?: CacheTrace;
}

export class SubgraphClient implements GraphQLDataSource<Record<string, unknown>> {
  private readonly transport: Transport;
  private readonly batcher: Batcher;
  private readonly inflight: InFlight;
  private readonly cache: CacheUse | undefined;
  /** Whether each subgraph operation (its text: the query plan's fetch) was answered public last time. */
  private readonly publicLastTime = new LRUCache<string, boolean>({ max: 1000 });
  /** For calls made outside a client request (health checks). */
  private readonly anonymous;

  constructor(private readonly opts: SubgraphClientOptions) {
    const metrics = subgraphClientMetrics(opts.registry);
    const freeze = opts.freezeSharedAnswers ?? false;
    this.transport = new Transport(opts.name, opts.url, opts.timeoutMs, opts.connections, metrics?.latency);
    this.batcher = new Batcher({ subgraph: opts.name, transport: this.transport, enabled: opts.batch ?? false, freezeSharedAnswers: freeze, metrics });
    this.inflight = new InFlight(opts.name, metrics?.deduped);
    this.cache = opts.cache && new CacheUse(opts.cache, opts.name, opts.url, freeze);
    this.anonymous = createCallerSigner(opts.signingKey);
  }

  async process(options: GraphQLDataSourceProcessOptions<Record<string, unknown>>): Promise<GatewayGraphQLResponse> {
    const { request } = options;
    if (!request.query) throw new Error('Missing query');
    const ctx = options.context as CallerContext;
    const isMutation = /^\s*mutation\b/.test(request.query);
    const representations: unknown = request.variables?.representations;
    if (this.cache && this.opts.entityCache && !isMutation && Array.isArray(representations) && representations.length > 0) {
      const viaEntities = await this.entities(options, request.query, request.variables!, representations, ctx);
      if (viaEntities) return viaEntities;
      // Redis cannot say which generations are current: the fetch goes whole, neither looked up
      // nor kept, and is not shared with one made under known generations.
      return this.whole(options, request.query, ctx, isMutation, false);
    }
    return this.whole(options, request.query, ctx, isMutation, true);
  }

  /**
   * A fetch answered as a whole: from the whole-answer cache entry, a call in flight, or the
   * subgraph. `readGenerations` false: they were found unknown already, so it is not cacheable.
   */
  private async whole(
    options: GraphQLDataSourceProcessOptions<Record<string, unknown>>,
    query: string,
    ctx: CallerContext,
    isMutation: boolean,
    readGenerations: boolean,
  ): Promise<GatewayGraphQLResponse> {
    const { request } = options;
    const folding = this.opts.distinctRepresentations ? foldRepresentations(request.variables) : undefined;
    const variables = folding ? folding.variables : request.variables;
    const body = JSON.stringify({ query, variables, operationName: request.operationName, extensions: request.extensions });

    // The generations of what the answer depends on, read before the call: an answer kept under
    // them is never found once an event bumps one. Unknown (Redis down): nothing kept or looked up.
    let versioned = body;
    let cacheable = !isMutation && readGenerations;
    if (cacheable && this.opts.generations) {
      // The folded representations (each distinct one once): the same dependencies, fewer to walk.
      const deps = fetchDependencies(this.opts.name, variables);
      const pending = generationsOf(this.opts.generations, deps);
      const generations = Array.isArray(pending) ? pending : await pending;
      ctx.cacheDependencies?.record(deps, generations);
      if (generations) versioned = `${body}\n${generationsPart(generations)}`;
      else cacheable = false;
    }
    const cache = cacheable ? this.cache : undefined;
    const caller = `${ctx.userId ?? ''}|${ctx.partnerId ?? ''}`;
    // Anonymous callers share one key: a mark for it would turn the cache off for all of them.
    if (isMutation && this.cache && caller !== '|') this.cache.wrote(caller);
    // Looked up unless answered private last time: a private operation pays for one lookup per
    // process, and a new replica takes what the others keep in Redis from its first request.
    const lookup = cache && this.publicLastTime.get(query) !== false && !cache.wroteRecently(caller);
    const key = lookup ? cache.key(versioned) : undefined;
    const cached = cache && key ? await cache.lookup(key) : undefined;
    const answer =
      cached?.answer ??
      // Anonymous callers are told apart by IP here: their calls draw on their own TMDB shares,
      // so one's refusal must not become another's answer (public answers are still shared).
      (this.opts.dedupe && !isMutation
        ? await this.inflight.share(versioned, ctx.clientIp ? `${caller}|${ctx.clientIp}` : caller, this.publicLastTime.get(query) === true, () =>
            this.call(body, ctx, true),
          )
        : await this.call(body, ctx, !isMutation));
    ctx.cacheTrace?.fetches.push({ subgraph: this.opts.name, from: cached ? 'cache' : 'subgraph' });
    if (!cached && !isMutation) this.publicLastTime.set(query, answer.isPublic);
    if (cache && !cached) cache.remember(key ?? (() => cache.key(versioned)), answer);

    // The kind's enum is not exported by @apollo/gateway; only incoming operations carry a request context.
    if ('incomingRequestContext' in options) {
      const policy = options.incomingRequestContext.overallCachePolicy as { restrict?: (hint: Hint) => void } | undefined;
      policy?.restrict?.(cached ? cached.hint : answer.hint);
    }
    // Only a shared answer (deduplicated, or a cache hit) can have another taker: one that this
    // call alone takes is given as parsed, with nothing copied along the plan's recipe.
    const shared = cached !== undefined || (this.opts.dedupe && !isMutation);
    const parsed = answer.take(shared ? ctx.answerRecipes?.get(recipeKey(this.opts.name, query)) : undefined);
    const { data, errors } = folding ? unfoldAnswer(folding, parsed.data, parsed.errors) : parsed;
    return { data, errors, extensions: parsed.extensions };
  }

  /**
   * An `_entities` query through the per-entity cache: each representation is looked up under its
   * type, key, the fetch's selection, the public scope and the generations of its own
   * dependencies (its subgraph, type, entity and tags); only the missing ones are sent, and each
   * entity of a public answer is kept on its own, so that an event for one film makes only that
   * film's entry unreachable. Private answers are never kept (scope `public` only).
   */
  private async entities(
    options: GraphQLDataSourceProcessOptions<Record<string, unknown>>,
    query: string,
    variables: Record<string, unknown>,
    representations: unknown[],
    ctx: CallerContext,
  ): Promise<GatewayGraphQLResponse | undefined> {
    const { request } = options;
    const cache = this.cache!;
    let byDependency: Map<Dependency, string | null> | undefined;
    let versionedPart = '';
    if (this.opts.generations) {
      const deps = fetchDependencies(this.opts.name, variables);
      const pending = generationsOf(this.opts.generations, deps);
      const generations = Array.isArray(pending) ? pending : await pending;
      ctx.cacheDependencies?.record(deps, generations);
      // Redis cannot say: the caller sends the fetch whole (undefined).
      if (!generations) return undefined;
      byDependency = new Map(deps.map((d, i) => [d, generations[i]]));
      versionedPart = `\n${generationsPart(generations)}`;
    }
    const selection = cache.selection(query, variables);
    const keys = representations.map((rep) => this.entityKey(rep, selection, byDependency));
    const caller = `${ctx.userId ?? ''}|${ctx.partnerId ?? ''}`;
    const lookup = this.publicLastTime.get(query) !== false && !cache.wroteRecently(caller);
    const pendingHits = lookup ? cache.lookupEntities(keys) : undefined;
    const hits: (EntityHit | undefined)[] = (Array.isArray(pendingHits) ? pendingHits : await pendingHits) ?? keys.map(() => undefined);

    let answer: Answer | undefined;
    const fold = this.opts.distinctRepresentations ?? false;
    const { split, answer: result } = await fetchEntities(representations, hits, fold, async (missing): Promise<EntityAnswer> => {
      // Same keys in the same order: only the representations' value changes.
      const body = JSON.stringify({
        query,
        variables: { ...variables, representations: missing },
        operationName: request.operationName,
        extensions: request.extensions,
      });
      const sent = this.opts.dedupe
        ? await this.inflight.share(body + versionedPart, ctx.clientIp ? `${caller}|${ctx.clientIp}` : caller, this.publicLastTime.get(query) === true, () =>
            this.call(body, ctx, true),
          )
        : await this.call(body, ctx, true);
      answer = sent;
      // Shared when deduplicated: copied along the plan's recipe where the gateway writes.
      const parsed = sent.take(this.opts.dedupe ? ctx.answerRecipes?.get(recipeKey(this.opts.name, query)) : undefined);
      return { data: parsed.data, errors: parsed.errors, extensions: parsed.extensions };
    });
    const fetched = representations.length - split.kept;
    // Counts only when the cache was asked (not for a fetch answered private last time, or a recent writer's).
    ctx.cacheTrace?.fetches.push({
      subgraph: this.opts.name,
      from: answer ? 'subgraph' : 'cache',
      ...(lookup ? { entities: { cached: split.kept, fetched } } : {}),
    });
    // A lookup that made no call is the subgraph cache's hit.
    if (lookup) cache.countLookup(answer ? 'miss' : 'hit');
    if (answer) {
      this.publicLastTime.set(query, answer.isPublic);
      // The key of each entity sent: that of the first position it stood for.
      const sentKeys = new Array<string | undefined>(split.missing.length);
      split.positions.forEach((at, p) => {
        if (at !== -1 && sentKeys[at] === undefined) sentKeys[at] = keys[p];
      });
      cache.rememberEntities(answer, sentKeys, storableEntities(split.missing.length, answer.serialized().body.errors));
    }

    if ('incomingRequestContext' in options) {
      const policy = options.incomingRequestContext.overallCachePolicy as { restrict?: (hint: Hint) => void } | undefined;
      if (answer) policy?.restrict?.(answer.hint);
      // Kept entities vouch for the whole seconds they have left, as the subgraph's answer would.
      let left = Infinity;
      for (const hit of hits) if (hit && hit.maxAge < left) left = hit.maxAge;
      if (left !== Infinity) policy?.restrict?.({ maxAge: left, scope: 'PUBLIC' });
    }
    return { data: result.data, errors: result.errors, extensions: result.extensions };
  }

  /** An entity's entry key, or undefined for a representation that names no type. */
  private entityKey(rep: unknown, selectionHash: string, byDependency: Map<Dependency, string | null> | undefined): string | undefined {
    if (rep === null || typeof rep !== 'object') return undefined;
    const { __typename: type } = rep as { __typename?: unknown };
    if (typeof type !== 'string') return undefined;
    const key = keyOf(rep as Record<string, unknown>);
    const generations = byDependency ? entityDependencies(this.opts.name, type, key, CACHE_TAGS).map((d) => byDependency.get(d) ?? null) : [];
    return entityEntryKey({ subgraph: this.opts.name, type, key, selectionHash, scope: 'public', generations });
  }

  /** Signs the caller's identity for this subgraph and sends: at once, or batched with the request's other calls. */
  private async call(body: string, ctx: CallerContext, batchable: boolean): Promise<Answer> {
    const identity = await (ctx.identity?.(this.opts.name) ?? this.anonymous({ userId: null, partnerId: null }, this.opts.name));
    return this.batcher.send(body, identity, ctx.requestId, ctx, batchable);
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}
