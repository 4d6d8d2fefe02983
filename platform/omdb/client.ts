import { BrokenCircuitError, ConsecutiveBreaker, ExponentialBackoff, circuitBreaker, handleWhen, retry, wrap } from 'cockatiel';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { Cache } from '../cache';
import type { Logger } from '../logger';
import { OmdbError } from './errors';
import { classifyOmdbError, parseOmdbBody } from './parse';
import type { DailyQuota } from './quota';
import type { OmdbBody, OmdbRatings } from './types';

export interface OmdbClientOptions {
  /** OMDb's address, e.g. https://www.omdbapi.com/ (the key and the id go in the query). */
  baseUrl: string;
  apiKey: string;
  timeoutMs: number;
  maxRetries: number;
  cache: Cache;
  logger: Logger;
  registry?: Registry;
  /** The daily request quota every replica shares (platform/omdb/quota.ts). */
  quota: DailyQuota;
  /** How long an answer (or a not-found) stays fresh. */
  ttlSeconds: number;
  /** How long past that a copy is kept, to serve while OMDb is down or the quota is spent. */
  staleSeconds: number;
  circuitThreshold?: number;
  circuitHalfOpenMs?: number;
}

const CACHE_VERSION = 'v1';

interface Envelope {
  /** epoch ms after which the copy is stale */
  f: number;
  v: OmdbRatings | null;
  /** OMDb had no such title. */
  nf?: 1;
}

/**
 * The only code that speaks to OMDb, looked up by IMDb id. A read goes: shared cache (one MGET
 * for a batch) → an identical look-up already in flight (coalescing, across requests) → a request
 * of the daily quota → HTTP with timeout, retries and a circuit breaker. When OMDb fails or the
 * quota is spent, a stale cached copy is served if there is one.
 */
export class OmdbClient {
  private readonly inflight = new Map<string, Promise<OmdbRatings | null>>();
  /** Set on a request's view (forRequest): the distinct look-ups it may still cause, and whose quota share they draw from. */
  private fetchLimit?: { max: number; seen: Set<string> };
  private caller?: string;
  private readonly policy;
  private readonly metrics;

  constructor(private readonly opts: OmdbClientOptions) {
    const retryPolicy = retry(
      handleWhen((err) => err instanceof OmdbError && err.retryable),
      { maxAttempts: opts.maxRetries, backoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 2000 }) },
    );
    // Only outages open the circuit: a missing title, a bad key or a spent quota is an answer.
    const breaker = circuitBreaker(
      handleWhen((err) => err instanceof OmdbError && err.kind === 'unavailable'),
      { halfOpenAfter: opts.circuitHalfOpenMs ?? 5_000, breaker: new ConsecutiveBreaker(opts.circuitThreshold ?? 5) },
    );
    breaker.onBreak(() => opts.logger.error('omdb circuit open'));
    breaker.onReset(() => opts.logger.info('omdb circuit closed'));
    this.policy = wrap(retryPolicy, breaker);
    this.metrics = opts.registry ? makeMetrics(opts.registry) : undefined;
  }

  /**
   * This client as one GraphQL request sees it: at most `maxFetches` distinct OMDb look-ups
   * (cache hits and look-ups shared with other requests are free), each drawn from `caller`'s
   * daily share when there is one.
   */
  forRequest(maxFetches: number, caller?: string): OmdbClient {
    const view = Object.create(this) as OmdbClient;
    view.fetchLimit = { max: maxFetches, seen: new Set() };
    view.caller = caller;
    return view;
  }

  /** One film's ratings; throws an OmdbError (`not_found` when OMDb has no such title). */
  async rating(imdbId: string): Promise<OmdbRatings> {
    const [r] = await this.ratings([imdbId]);
    if (r instanceof OmdbError) throw r;
    return r;
  }

  /** Many films at once: one cache read for all, OMDb asked only for what is missing or stale. */
  async ratings(imdbIds: readonly string[]): Promise<(OmdbRatings | OmdbError)[]> {
    const raw = await this.opts.cache.getMany(imdbIds.map((id) => this.key(id)));
    const now = Date.now();
    return Promise.all(
      imdbIds.map(async (id, i) => {
        const cached = decode(raw[i]);
        if (cached && cached.f > now) {
          this.metrics?.cache.inc({ result: cached.nf ? 'negative_hit' : 'hit' });
          return cached.nf || !cached.v ? new OmdbError('not_found', 'OMDb has no such title (remembered).') : cached.v;
        }
        this.metrics?.cache.inc({ result: cached ? 'stale' : 'miss' });
        try {
          const fresh = await this.fetchCoalesced(id);
          return fresh ?? new OmdbError('not_found', 'OMDb has no such title.');
        } catch (err) {
          if (!(err instanceof OmdbError)) throw err;
          if (cached?.v && err.kind !== 'not_found') {
            this.metrics?.cache.inc({ result: 'stale_served' });
            this.opts.logger.warn({ imdbId: id, kind: err.kind }, 'omdb failed; serving stale copy');
            return cached.v;
          }
          return err;
        }
      }),
    );
  }

  private key(imdbId: string): string {
    return `omdb:${CACHE_VERSION}:${imdbId}`;
  }

  /**
   * Identical look-ups in flight at the same time, from any request, share one HTTP call. The
   * call stays listed until its answer is in the cache, and one turn of the event loop more, so a
   * request whose cache read missed just before the write still finds it here.
   */
  private fetchCoalesced(imdbId: string): Promise<OmdbRatings | null> {
    const existing = this.inflight.get(imdbId);
    if (existing) {
      this.metrics?.coalesced.inc();
      return existing;
    }
    const limit = this.fetchLimit;
    if (limit && !limit.seen.has(imdbId)) {
      if (limit.seen.size >= limit.max) {
        return Promise.reject(
          new OmdbError('fetch_limit', `This operation needs more than ${limit.max} external-ratings look-ups; ask for fewer films at a time.`),
        );
      }
      limit.seen.add(imdbId);
    }
    const p = this.fetchWithPolicy(imdbId);
    this.inflight.set(imdbId, p);
    const ttl = this.opts.ttlSeconds;
    p.then(
      (v) => this.store(imdbId, v ? { f: Date.now() + ttl * 1000, v } : { f: Date.now() + ttl * 1000, v: null, nf: 1 }),
      () => undefined,
    )
      .catch(() => undefined)
      .finally(() => setImmediate(() => this.inflight.delete(imdbId)));
    return p;
  }

  private async store(imdbId: string, envelope: Envelope): Promise<void> {
    // A not-found has nothing to serve when stale, so it is kept only while fresh.
    const keep = this.opts.ttlSeconds + (envelope.nf ? 0 : this.opts.staleSeconds);
    await this.opts.cache.setMany([{ key: this.key(imdbId), value: JSON.stringify(envelope), ttlSeconds: keep }]);
  }

  private async fetchWithPolicy(imdbId: string): Promise<OmdbRatings | null> {
    try {
      return await this.policy.execute(() => this.fetchOnce(imdbId));
    } catch (err) {
      if (err instanceof BrokenCircuitError) throw new OmdbError('unavailable', 'OMDb circuit open');
      if (err instanceof OmdbError && err.kind === 'not_found') return null;
      throw err;
    }
  }

  private async fetchOnce(imdbId: string): Promise<OmdbRatings> {
    const quota = this.opts.quota;
    const taken = await quota.take(this.caller);
    if (taken !== 'ok') {
      this.metrics?.quotaRefused.inc({ reason: taken === 'spent' ? 'daily' : 'caller' });
      throw new OmdbError(
        'quota',
        taken === 'spent'
          ? "Today's OMDb requests are used up; external ratings return when the quota resets."
          : "You have used your share of today's OMDb requests; external ratings return when the quota resets.",
        false,
        quota.resetsAt(),
      );
    }
    const url = new URL(this.opts.baseUrl);
    url.searchParams.set('apikey', this.opts.apiKey);
    url.searchParams.set('i', imdbId);
    const started = process.hrtime.bigint();
    let status = 'error';
    try {
      let res: Response;
      try {
        res = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(this.opts.timeoutMs) });
      } catch (err) {
        status = err instanceof Error && err.name === 'TimeoutError' ? 'timeout' : 'network';
        throw new OmdbError('unavailable', `OMDb request failed: ${status}`, true);
      }
      status = String(res.status);
      const text = await res.text();
      let body: OmdbBody | undefined;
      try {
        const parsed: unknown = JSON.parse(text);
        if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) body = parsed as OmdbBody;
      } catch {
        /* below */
      }
      if (!body) {
        if (res.ok) status = 'malformed';
        throw res.ok ? new OmdbError('unavailable', 'OMDb sent a malformed response', true) : classifyOmdbError(res.status, undefined);
      }
      const result =
        res.ok && String(body.Response).toLowerCase() === 'true' ? parseOmdbBody(body, imdbId) : classifyOmdbError(res.status, body.Error, quota.resetsAt());
      if (result instanceof OmdbError) {
        status = result.kind === 'not_found' ? 'not_found' : status;
        if (result.kind === 'quota') {
          // OMDb counts differently from us (another client of the key, another clock): stop everyone for the day.
          status = 'quota';
          this.metrics?.quotaRefused.inc({ reason: 'omdb' });
          await quota.spend();
        }
        throw result;
      }
      return result;
    } finally {
      this.metrics?.requests.inc({ status });
      this.metrics?.latency.observe(Number(process.hrtime.bigint() - started) / 1e9);
    }
  }
}

function decode(raw: string | null | undefined): Envelope | null {
  if (!raw) return null;
  try {
    const e = JSON.parse(raw) as Envelope;
    return typeof e?.f === 'number' ? e : null;
  } catch {
    return null;
  }
}

function makeMetrics(registry: Registry) {
  return {
    requests: new Counter({
      name: 'marquee_omdb_requests_total',
      help: 'HTTP requests sent to OMDb, by outcome (HTTP status, not_found, quota, timeout, network, malformed)',
      labelNames: ['status'],
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'marquee_omdb_request_duration_seconds',
      help: 'OMDb request latency',
      buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    cache: new Counter({
      name: 'marquee_omdb_cache_total',
      help: 'OMDb cache lookups by result (hit, negative_hit, miss, stale, stale_served)',
      labelNames: ['result'],
      registers: [registry],
    }),
    coalesced: new Counter({
      name: 'marquee_omdb_coalesced_total',
      help: 'Look-ups that waited on an identical OMDb request already in flight',
      registers: [registry],
    }),
    quotaRefused: new Counter({
      name: 'marquee_omdb_quota_refused_total',
      help: 'OMDb look-ups refused for the quota: daily (OMDB_DAILY_LIMIT), caller (OMDB_CALLER_DAILY_LIMIT) or omdb (OMDb said so)',
      labelNames: ['reason'],
      registers: [registry],
    }),
  };
}
