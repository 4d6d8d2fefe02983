import { ConsecutiveBreaker, DelegateBackoff, BrokenCircuitError, circuitBreaker, handleWhen, retry, wrap, type IRetryBackoffContext } from 'cockatiel';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { Cache } from '../cache';
import type { Logger } from '../logger';
import { TmdbError } from './errors';
import type { Budget, CallerBudgets } from './budget';
import type {
  MovieBlock,
  TmdbErrorBody,
  TmdbGenre,
  TmdbMovieBlocks,
  TmdbMovieDetail,
  TmdbMovieListItem,
  TmdbPaged,
  TmdbPerson,
  TmdbPersonCredits,
} from './types';

export interface TmdbClientOptions {
  baseUrl: string;
  accessToken?: string;
  apiKey?: string;
  language?: string;
  timeoutMs: number;
  maxRetries: number;
  /** Longest Retry-After we are willing to sleep through inside one request. */
  maxRetryAfterMs: number;
  cache: Cache;
  logger: Logger;
  registry?: Registry;
  /** How long a cached copy stays usable, past its TTL, when TMDB is failing. */
  staleSeconds?: number;
  /** The shared request budget every call to TMDB draws from. */
  budget?: Budget;
  /** Each caller's share of that budget, taken first by requests' views (forRequest with a caller). */
  callerBudgets?: CallerBudgets;
  /** Consecutive outages that open the circuit, and how long it stays open before a probe. */
  circuitThreshold?: number;
  circuitHalfOpenMs?: number;
  /** How long a not-found answer is remembered (negative cache), so unknown ids are not asked again. 0 = never. */
  notFoundTtlSeconds?: number;
}

/** Seconds each kind of resource stays fresh in the cache. */
export const TTL = {
  movie: 6 * 3600,
  person: 24 * 3600,
  list: 15 * 60,
  search: 3600,
  genres: 24 * 3600,
} as const;

const CACHE_VERSION = 'v1';

interface CacheEnvelope<T> {
  /** epoch ms after which the value is stale */
  f: number;
  v: T;
  /** A remembered not-found answer (no value). */
  nf?: 1;
}

export interface MovieWithBlocks {
  detail: TmdbMovieDetail;
  blocks: TmdbMovieBlocks;
}

/**
 * The only code that speaks to TMDB. In order, a read goes: shared cache → an identical request
 * already in flight (coalescing) → HTTP with timeout, retries and a circuit breaker. When TMDB
 * fails, a stale cached copy is served if there is one.
 */
export class TmdbClient {
  private readonly inflight = new Map<string, Promise<unknown>>();
  /** Set on a request's view (forRequest): the distinct fetches it may still cause. */
  private fetchLimit?: { max: number; seen: Set<string> };
  /** Set on a request's view: whose share of the TMDB budget its fetches draw from. */
  private caller?: string;
  private readonly policy;
  private readonly metrics;

  constructor(private readonly opts: TmdbClientOptions) {
    if (!opts.accessToken && !opts.apiKey) throw new Error('TmdbClient needs an access token or an API key');
    // A Retry-After longer than we are willing to hold a request for is answered at once.
    const retryable = handleWhen(
      (err) => err instanceof TmdbError && err.retryable && (err.retryAfterMs === undefined || err.retryAfterMs <= opts.maxRetryAfterMs),
    );
    const retryPolicy = retry(retryable, {
      maxAttempts: opts.maxRetries,
      // Honour TMDB's Retry-After; otherwise exponential backoff with full jitter.
      backoff: new DelegateBackoff((ctx: IRetryBackoffContext<unknown>) => {
        const err = 'error' in ctx.result ? ctx.result.error : undefined;
        if (err instanceof TmdbError && err.retryAfterMs !== undefined) return err.retryAfterMs;
        return Math.random() * Math.min(2000, 100 * 2 ** ctx.attempt);
      }),
    });
    // Only outages open the circuit: a 404 or a bad key is an answer, not a failure of TMDB.
    const breaker = circuitBreaker(
      handleWhen((err) => err instanceof TmdbError && err.kind === 'unavailable'),
      {
        halfOpenAfter: opts.circuitHalfOpenMs ?? 5_000,
        breaker: new ConsecutiveBreaker(opts.circuitThreshold ?? 5),
      },
    );
    breaker.onBreak(() => opts.logger.error('tmdb circuit open'));
    breaker.onReset(() => opts.logger.info('tmdb circuit closed'));
    this.policy = wrap(retryPolicy, breaker);
    this.metrics = opts.registry ? makeMetrics(opts.registry) : undefined;
  }

  /**
   * This client as seen by one GraphQL request: at most `maxFetches` distinct TMDB fetches (cache
   * hits and calls shared with other requests are free); beyond it, reads fail with
   * UPSTREAM_FETCH_LIMIT, so one operation cannot spend the shared TMDB budget of everyone.
   * With `caller` (callerKey in platform/identity.ts), each fetch first takes a token of that caller's share, so
   * one caller's many operations cannot spend it either.
   */
  forRequest(maxFetches: number, caller?: string): TmdbClient {
    const view = Object.create(this) as TmdbClient;
    view.fetchLimit = { max: maxFetches, seen: new Set() };
    view.caller = caller;
    return view;
  }

  // --- typed endpoints -------------------------------------------------------------------

  popular(page: number): Promise<TmdbPaged<TmdbMovieListItem>> {
    return this.get('/movie/popular', { page: String(page) }, TTL.list);
  }

  topRated(page: number): Promise<TmdbPaged<TmdbMovieListItem>> {
    return this.get('/movie/top_rated', { page: String(page) }, TTL.list);
  }

  searchMovies(query: string, year: number | undefined, page: number): Promise<TmdbPaged<TmdbMovieListItem>> {
    const q: Record<string, string> = { query, page: String(page) };
    if (year !== undefined) q.year = String(year);
    return this.get('/search/movie', q, TTL.search);
  }

  upcoming(page: number): Promise<TmdbPaged<TmdbMovieListItem>> {
    return this.get('/movie/upcoming', { page: String(page) }, TTL.list);
  }

  nowPlaying(page: number): Promise<TmdbPaged<TmdbMovieListItem>> {
    return this.get('/movie/now_playing', { page: String(page) }, TTL.list);
  }

  trending(window: 'day' | 'week', page: number): Promise<TmdbPaged<TmdbMovieListItem>> {
    return this.get(`/trending/movie/${window}`, { page: String(page) }, TTL.list);
  }

  discover(query: Record<string, string>, page: number): Promise<TmdbPaged<TmdbMovieListItem>> {
    return this.get('/discover/movie', { ...query, page: String(page) }, TTL.list);
  }

  /** Pages after the first; page 1 comes appended to the movie detail. */
  related(id: string, kind: 'recommendations' | 'similar', page: number): Promise<TmdbPaged<TmdbMovieListItem>> {
    return this.get(`/movie/${encodeURIComponent(id)}/${kind}`, { page: String(page) }, TTL.movie);
  }

  searchPeople(query: string, page: number): Promise<TmdbPaged<TmdbPerson>> {
    return this.get('/search/person', { query, page: String(page) }, TTL.search);
  }

  personCredits(id: string): Promise<TmdbPersonCredits> {
    return this.get(`/person/${encodeURIComponent(id)}/movie_credits`, {}, TTL.person);
  }

  async genres(): Promise<TmdbGenre[]> {
    const body = await this.get<{ genres?: TmdbGenre[] }>('/genre/movie/list', {}, TTL.genres);
    return body.genres ?? [];
  }

  person(id: string): Promise<TmdbPerson> {
    return this.get(`/person/${encodeURIComponent(id)}`, {}, TTL.person);
  }

  /**
   * Movie details with the appended blocks asked for, for many ids at once. Each block is cached
   * on its own, so one MGET answers the whole batch and TMDB is asked only for what is missing,
   * with the missing blocks appended to a single call per film.
   */
  async movies(requests: { id: string; blocks: MovieBlock[] }[]): Promise<(MovieWithBlocks | TmdbError)[]> {
    const keys: string[] = [];
    for (const r of requests) {
      keys.push(this.key(`/movie/${r.id}#base`));
      for (const b of r.blocks) keys.push(this.key(`/movie/${r.id}#${b}`));
    }
    const raw = await this.opts.cache.getMany(keys);
    const now = Date.now();
    let i = 0;
    return Promise.all(
      requests.map(async (r) => {
        const cachedBase = decode<TmdbMovieDetail>(raw[i++]);
        const cachedBlocks = r.blocks.map((b) => [b, decode<unknown>(raw[i++])] as const);
        if (cachedBase?.nf && cachedBase.f > now) {
          this.metrics?.cache.inc({ result: 'negative_hit' });
          return new TmdbError('not_found', 'Not found in the TMDB catalogue (remembered).', 404);
        }
        const freshBase = cachedBase && cachedBase.f > now;
        const missing = cachedBlocks.filter(([, c]) => !c || c.f <= now).map(([b]) => b);
        if (cachedBase) this.metrics?.cache.inc({ result: freshBase ? 'hit' : 'stale' });
        if (freshBase && missing.length === 0) {
          return assemble(
            cachedBase.v,
            cachedBlocks.map(([b, c]) => [b, c!.v]),
          );
        }
        try {
          const query: Record<string, string> = missing.length ? { append_to_response: missing.join(',') } : {};
          const fetched = await this.fetchCoalesced<TmdbMovieDetail & Record<string, unknown>>(
            `/movie/${encodeURIComponent(r.id)}`,
            query,
            (f) => [
              { key: this.key(`/movie/${r.id}#base`), value: detailOnly(f), ttl: TTL.movie },
              ...missing.map((b) => ({ key: this.key(`/movie/${r.id}#${b}`), value: f[b], ttl: TTL.movie })),
            ],
            this.key(`/movie/${r.id}#base`),
          );
          const blocks = cachedBlocks.map(([b, c]) => [b, missing.includes(b) ? fetched[b] : c!.v] as const);
          return assemble(detailOnly(fetched), blocks);
        } catch (err) {
          const stale = cachedBase && cachedBlocks.every(([, c]) => c);
          if (err instanceof TmdbError && err.kind !== 'not_found' && stale) {
            this.metrics?.cache.inc({ result: 'stale_served' });
            return assemble(
              cachedBase.v,
              cachedBlocks.map(([b, c]) => [b, c!.v]),
            );
          }
          if (err instanceof TmdbError) return err;
          throw err;
        }
      }),
    );
  }

  // --- generic cached GET -------------------------------------------------------------------

  async get<T>(path: string, query: Record<string, string>, ttlSeconds: number): Promise<T> {
    const key = this.key(path + '?' + new URLSearchParams(sorted(query)).toString());
    const [raw] = await this.opts.cache.getMany([key]);
    const cached = decode<T>(raw);
    if (cached?.nf && cached.f > Date.now()) {
      this.metrics?.cache.inc({ result: 'negative_hit' });
      throw new TmdbError('not_found', 'Not found in the TMDB catalogue (remembered).', 404);
    }
    if (cached && !cached.nf && cached.f > Date.now()) {
      this.metrics?.cache.inc({ result: 'hit' });
      return cached.v;
    }
    this.metrics?.cache.inc({ result: cached ? 'stale' : 'miss' });
    try {
      return await this.fetchCoalesced<T>(path, query, (value) => [{ key, value, ttl: ttlSeconds }], key);
    } catch (err) {
      if (cached && !cached.nf && err instanceof TmdbError && err.kind !== 'not_found') {
        this.metrics?.cache.inc({ result: 'stale_served' });
        this.opts.logger.warn({ path, kind: err.kind }, 'tmdb failed; serving stale copy');
        return cached.v;
      }
      throw err;
    }
  }

  private key(resource: string): string {
    return `tmdb:${CACHE_VERSION}:${this.opts.language ?? 'default'}:${resource}`;
  }

  private async store(entries: { key: string; value: unknown; ttl: number }[]): Promise<void> {
    const staleSeconds = this.opts.staleSeconds ?? 7 * 24 * 3600;
    await this.opts.cache.setMany(
      entries.map((e) => ({
        key: e.key,
        value: JSON.stringify({ f: Date.now() + e.ttl * 1000, v: e.value } satisfies CacheEnvelope<unknown>),
        ttlSeconds: e.ttl + staleSeconds,
      })),
    );
  }

  private async storeNotFound(key: string, ttl: number): Promise<void> {
    await this.opts.cache.setMany([
      { key, value: JSON.stringify({ f: Date.now() + ttl * 1000, v: null, nf: 1 } satisfies CacheEnvelope<null>), ttlSeconds: ttl },
    ]);
  }

  /**
   * Identical concurrent requests, from any operation, share one HTTP call. The call stays "in
   * flight" until its answer is in the cache, and one turn of the event loop more: a request
   * whose cache read missed just before the write landed may still be working through the
   * promise chain from that read, and must find the call here rather than ask TMDB again.
   */
  private fetchCoalesced<T>(
    path: string,
    query: Record<string, string>,
    toCache: (value: T) => { key: string; value: unknown; ttl: number }[],
    notFoundKey: string,
  ): Promise<T> {
    const id = path + '?' + new URLSearchParams(sorted(query)).toString();
    const existing = this.inflight.get(id);
    if (existing) {
      this.metrics?.coalesced.inc();
      return existing as Promise<T>;
    }
    const limit = this.fetchLimit;
    if (limit && !limit.seen.has(id)) {
      if (limit.seen.size >= limit.max) {
        this.metrics?.fetchLimited.inc();
        return Promise.reject(
          new TmdbError('fetch_limit', `This operation needs more than ${limit.max} catalogue fetches; ask for fewer films or people at a time.`),
        );
      }
      limit.seen.add(id);
    }
    const share = this.caller !== undefined ? this.opts.callerBudgets : undefined;
    if (!share) return this.startFetch(id, path, query, toCache, notFoundKey);
    const caller = this.caller!;
    return share.acquire(caller).then(() => {
      // Another request may have started the same call while this one waited for its share.
      const meanwhile = this.inflight.get(id);
      if (meanwhile) return meanwhile as Promise<T>;
      return this.startFetch(id, path, query, toCache, notFoundKey);
    });
  }

  private startFetch<T>(
    id: string,
    path: string,
    query: Record<string, string>,
    toCache: (value: T) => { key: string; value: unknown; ttl: number }[],
    notFoundKey: string,
  ): Promise<T> {
    const p = this.fetchWithPolicy<T>(path, query);
    this.inflight.set(id, p);
    const notFoundTtl = this.opts.notFoundTtlSeconds ?? 300;
    p.then(
      (value) => this.store(toCache(value)),
      (err: unknown) => {
        // Remember a not-found briefly, so unknown ids cannot be replayed at TMDB.
        if (err instanceof TmdbError && err.kind === 'not_found' && notFoundTtl > 0) return this.storeNotFound(notFoundKey, notFoundTtl);
        return undefined;
      },
    )
      .catch(() => undefined)
      .finally(() => setImmediate(() => this.inflight.delete(id)));
    return p;
  }

  private async fetchWithPolicy<T>(path: string, query: Record<string, string>): Promise<T> {
    try {
      return await this.policy.execute(() => this.fetchOnce<T>(path, query));
    } catch (err) {
      if (err instanceof BrokenCircuitError) throw new TmdbError('unavailable', 'TMDB circuit open');
      throw err;
    }
  }

  private async fetchOnce<T>(path: string, query: Record<string, string>): Promise<T> {
    const url = new URL(this.opts.baseUrl.replace(/\/$/, '') + path);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    if (this.opts.language) url.searchParams.set('language', this.opts.language);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.opts.accessToken) headers.authorization = `Bearer ${this.opts.accessToken}`;
    else if (this.opts.apiKey) url.searchParams.set('api_key', this.opts.apiKey);
    const endpoint = endpointLabel(path);
    await this.opts.budget?.acquire();
    const started = process.hrtime.bigint();
    let status = 'error';
    try {
      let res: Response;
      try {
        res = await fetch(url, { headers, signal: AbortSignal.timeout(this.opts.timeoutMs) });
      } catch (err) {
        status = err instanceof Error && err.name === 'TimeoutError' ? 'timeout' : 'network';
        throw new TmdbError('unavailable', `TMDB request failed: ${status}`);
      }
      status = String(res.status);
      const text = await res.text();
      if (res.ok) {
        try {
          return JSON.parse(text) as T;
        } catch {
          status = 'malformed';
          throw new TmdbError('unavailable', 'TMDB sent a malformed response');
        }
      }
      throw classify(res, text);
    } finally {
      this.metrics?.requests.inc({ endpoint, status });
      this.metrics?.latency.observe({ endpoint }, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }
}

function classify(res: Response, text: string): TmdbError {
  let body: TmdbErrorBody = {};
  try {
    body = JSON.parse(text) as TmdbErrorBody;
  } catch {
    /* error pages are not always JSON */
  }
  const message = body.status_message ?? `TMDB answered ${res.status}`;
  if (res.status === 404 || body.status_code === 34) return new TmdbError('not_found', message, res.status);
  if (res.status === 401 || body.status_code === 7 || body.status_code === 3) return new TmdbError('auth', message, res.status);
  if (res.status === 429 || body.status_code === 25) {
    const ra = Number(res.headers.get('retry-after'));
    return new TmdbError('rate_limited', message, res.status, Number.isFinite(ra) && ra >= 0 ? ra * 1000 : undefined);
  }
  if (res.status >= 500) return new TmdbError('unavailable', message, res.status);
  return new TmdbError('bad_request', message, res.status);
}

function decode<T>(raw: string | null | undefined): CacheEnvelope<T> | null {
  if (!raw) return null;
  try {
    return JSON.parse(raw) as CacheEnvelope<T>;
  } catch {
    return null;
  }
}

function sorted(q: Record<string, string>): [string, string][] {
  return Object.entries(q).sort(([a], [b]) => a.localeCompare(b));
}

function detailOnly(d: TmdbMovieDetail & Record<string, unknown>): TmdbMovieDetail {
  const { credits: _c, videos: _v, release_dates: _r, recommendations: _rec, similar: _s, images: _i, ...rest } = d;
  return rest;
}

function assemble(detail: TmdbMovieDetail, blocks: ReadonlyArray<readonly [MovieBlock, unknown]>): MovieWithBlocks {
  const out: TmdbMovieBlocks = {};
  for (const [b, v] of blocks) (out as Record<string, unknown>)[b] = v;
  return { detail, blocks: out };
}

/** Bounded label cardinality: ids become placeholders. */
function endpointLabel(path: string): string {
  return path.replace(/\/\d+/g, '/{id}');
}

function makeMetrics(registry: Registry) {
  return {
    requests: new Counter({
      name: 'marquee_tmdb_requests_total',
      help: 'HTTP requests sent to TMDB, by endpoint and outcome',
      labelNames: ['endpoint', 'status'],
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'marquee_tmdb_request_duration_seconds',
      help: 'TMDB request latency',
      labelNames: ['endpoint'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    cache: new Counter({
      name: 'marquee_tmdb_cache_total',
      help: 'TMDB cache lookups by result (hit, miss, stale, stale_served)',
      labelNames: ['result'],
      registers: [registry],
    }),
    fetchLimited: new Counter({
      name: 'marquee_tmdb_fetch_limited_total',
      help: 'TMDB fetches refused because one operation reached TMDB_MAX_FETCHES_PER_REQUEST',
      registers: [registry],
    }),
    coalesced: new Counter({
      name: 'marquee_tmdb_coalesced_total',
      help: 'Requests that waited on an identical TMDB request already in flight',
      registers: [registry],
    }),
  };
}
