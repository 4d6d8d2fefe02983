import { Counter, type Registry } from 'prom-client';
import type { Cache } from '../cache';
import type { CallerBudgets } from './budget';
import { decode, sorted, TmdbCache, TTL, type CacheEnvelope } from './cache-entries';
import { TmdbError } from './errors';
import { TmdbHttp, type TmdbHttpOptions } from './http';
import { assemble, detailOnly, type MovieWithBlocks } from './movie-blocks';
import type {
  MovieBlock,
  TmdbGenre,
  TmdbMovieDetail,
  TmdbMovieListItem,
  TmdbPaged,
  TmdbPerson,
  TmdbPersonCredits,
  TmdbWatchProvider,
  TmdbWatchProviders,
} from './types';

export type { MovieWithBlocks } from './movie-blocks';

/** The HTTP side's options (http.ts), and what the cache and the callers' shares need. */
export interface TmdbClientOptions extends TmdbHttpOptions {
  cache: Cache;
  /** How long a cached copy stays usable, past its TTL, when TMDB is failing. */
  staleSeconds?: number;
  /** Each caller's share of the budget, taken first by requests' views (forRequest with a caller). */
  callerBudgets?: CallerBudgets;
  /** How long a not-found answer is remembered (negative cache), so unknown ids are not asked again. 0 = never. */
  notFoundTtlSeconds?: number;
  /**
   * Stale-while-revalidate: a copy stale for less than this is served at once while one call in
   * the background refreshes it; staler copies wait for TMDB (and are served only if it fails). 0 = never.
   */
  staleWhileRevalidateSeconds?: number;
}

/**
 * The only way to TMDB. In order, a read goes: shared cache (cache-entries.ts) → an identical
 * request already in flight (coalescing) → the caller's share of the budget → HTTP with the
 * global budget, timeout, retries and a circuit breaker (http.ts). A copy only recently stale is
 * served at once and refreshed in the background (stale-while-revalidate); when TMDB fails, a
 * stale cached copy is served if there is one.
 */
export class TmdbClient {
  private readonly inflight = new Map<string, Promise<unknown>>();
  /** Set on a request's view (forRequest): the distinct fetches it may still cause. */
  private fetchLimit?: { max: number; seen: Set<string> };
  /** Set on a request's view: whose share of the TMDB budget its fetches draw from. */
  private caller?: string;
  private readonly http: TmdbHttp;
  private readonly tmdbCache: TmdbCache;
  private readonly metrics;
  /**
   * The client itself, not a request's view: background refreshes draw on the global budget
   * only, never on a request's fetch limit or its caller's share (the request already has its answer).
   */
  private readonly root: TmdbClient = this;

  constructor(private readonly opts: TmdbClientOptions) {
    if (!opts.accessToken && !opts.apiKey) throw new Error('TmdbClient needs an access token or an API key');
    this.http = new TmdbHttp(opts);
    this.tmdbCache = new TmdbCache(opts.cache, opts.language, opts.staleSeconds);
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

  /** Where a film streams, rents and sells, by region (JustWatch's data: shown with its attribution). */
  watchProviders(id: string): Promise<TmdbWatchProviders> {
    return this.get(`/movie/${encodeURIComponent(id)}/watch/providers`, {}, TTL.list);
  }

  /** The providers TMDB knows in a region. */
  async watchProviderList(region: string): Promise<TmdbWatchProvider[]> {
    const body = await this.get<{ results?: TmdbWatchProvider[] }>('/watch/providers/movie', { watch_region: region }, TTL.genres);
    return body.results ?? [];
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
      keys.push(this.tmdbCache.key(`/movie/${r.id}#base`));
      for (const b of r.blocks) keys.push(this.tmdbCache.key(`/movie/${r.id}#${b}`));
    }
    const raw = await this.tmdbCache.getMany(keys);
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
        const cachedCopy = () =>
          assemble(
            cachedBase!.v,
            cachedBlocks.map(([b, c]) => [b, c!.v]),
          );
        if (freshBase && missing.length === 0) return cachedCopy();
        // What is stale or missing is fetched in one call: the base always, the missing blocks appended.
        const fetchMissing = (client: TmdbClient) =>
          client.fetchCoalesced<TmdbMovieDetail & Record<string, unknown>>(
            `/movie/${encodeURIComponent(r.id)}`,
            missing.length ? { append_to_response: missing.join(',') } : {},
            (f) => [
              { key: this.tmdbCache.key(`/movie/${r.id}#base`), value: detailOnly(f), ttl: TTL.movie },
              ...missing.map((b) => ({ key: this.tmdbCache.key(`/movie/${r.id}#${b}`), value: f[b], ttl: TTL.movie })),
            ],
            this.tmdbCache.key(`/movie/${r.id}#base`),
          );
        if (cachedBase && cachedBlocks.every(([, c]) => c && !c.nf) && this.revalidatable([cachedBase, ...cachedBlocks.map(([, c]) => c!)], now)) {
          this.revalidate(() => fetchMissing(this.root));
          return cachedCopy();
        }
        try {
          const fetched = await fetchMissing(this);
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
    const key = this.tmdbCache.key(path + '?' + new URLSearchParams(sorted(query)).toString());
    const [raw] = await this.tmdbCache.getMany([key]);
    const cached = decode<T>(raw);
    if (cached?.nf && cached.f > Date.now()) {
      this.metrics?.cache.inc({ result: 'negative_hit' });
      throw new TmdbError('not_found', 'Not found in the TMDB catalogue (remembered).', 404);
    }
    if (cached && !cached.nf && cached.f > Date.now()) {
      this.metrics?.cache.inc({ result: 'hit' });
      return cached.v;
    }
    if (cached && !cached.nf && this.revalidatable([cached], Date.now())) {
      this.revalidate(() => this.root.fetchCoalesced<T>(path, query, (value) => [{ key, value, ttl: ttlSeconds }], key));
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

  /** Whether copies this stale may be served at once while refreshed (stale-while-revalidate). */
  private revalidatable(envelopes: readonly CacheEnvelope<unknown>[], now: number): boolean {
    const window = (this.opts.staleWhileRevalidateSeconds ?? 3600) * 1000;
    return window > 0 && envelopes.every((e) => !e.nf && now - e.f < window);
  }

  /** A refresh in the background (coalesced with any identical call); its failure leaves the stale copy, to be tried again. */
  private revalidate(refresh: () => Promise<unknown>): void {
    this.metrics?.cache.inc({ result: 'stale_revalidated' });
    refresh().catch((err: unknown) => {
      this.opts.logger.debug({ err: err instanceof Error ? err.message : String(err) }, 'tmdb background refresh failed');
    });
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
    const p = this.http.get<T>(path, query);
    this.inflight.set(id, p);
    const notFoundTtl = this.opts.notFoundTtlSeconds ?? 300;
    p.then(
      (value) => this.tmdbCache.store(toCache(value)),
      (err: unknown) => {
        // Remember a not-found briefly, so unknown ids cannot be replayed at TMDB.
        if (err instanceof TmdbError && err.kind === 'not_found' && notFoundTtl > 0) return this.tmdbCache.storeNotFound(notFoundKey, notFoundTtl);
        return undefined;
      },
    )
      .catch(() => undefined)
      .finally(() => setImmediate(() => this.inflight.delete(id)));
    return p;
  }
}

function makeMetrics(registry: Registry) {
  return {
    cache: new Counter({
      name: 'marquee_tmdb_cache_total',
      help: 'TMDB cache lookups by result (hit, miss, stale: fetched again, stale_revalidated: served while refreshed in the background, stale_served: TMDB failed, negative_hit)',
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
