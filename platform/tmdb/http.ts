import { BrokenCircuitError, ConsecutiveBreaker, circuitBreaker, handleWhen, wrap } from 'cockatiel';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { Logger } from '../logger';
import { retryPolicy, retrySpec } from '../retry';
import type { Budget } from './budget';
import { TmdbError } from './errors';
import type { TmdbErrorBody } from './types';

export interface TmdbHttpOptions {
  baseUrl: string;
  accessToken?: string;
  apiKey?: string;
  language?: string;
  timeoutMs: number;
  /** Retries of one call (TMDB_MAX_RETRIES), under RETRY_POLICIES.tmdb. */
  maxRetries: number;
  /** Longest Retry-After we are willing to sleep through inside one request. */
  maxRetryAfterMs: number;
  logger: Logger;
  registry?: Registry;
  /** The shared request budget every call to TMDB draws from. */
  budget?: Budget;
  /** Consecutive outages that open the circuit, and how long it stays open before a probe. */
  circuitThreshold?: number;
  circuitHalfOpenMs?: number;
}

/**
 * One GET to TMDB as a policy: the shared budget, a timeout, retries (RETRY_POLICIES.tmdb with
 * TMDB's Retry-After honoured) and a circuit breaker, and every failure classified as a
 * TmdbError (errors.ts). Caching and coalescing are the client's (client.ts).
 */
export class TmdbHttp {
  private readonly policy;
  private readonly metrics;

  constructor(private readonly opts: TmdbHttpOptions) {
    // A Retry-After longer than we are willing to hold a request for is answered at once.
    const retries = retryPolicy(retrySpec('tmdb', { retries: opts.maxRetries }), {
      retryOn: (err) => err instanceof TmdbError && err.retryable && (err.retryAfterMs === undefined || err.retryAfterMs <= opts.maxRetryAfterMs),
      delayFor: (err) => (err instanceof TmdbError ? err.retryAfterMs : undefined),
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
    this.policy = wrap(retries, breaker);
    this.metrics = opts.registry ? makeMetrics(opts.registry) : undefined;
  }

  async get<T>(path: string, query: Record<string, string>): Promise<T> {
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
        // AbortSignal.timeout rejects with a DOMException named TimeoutError: its type, by the spec.
        status = err instanceof DOMException && err.name === 'TimeoutError' ? 'timeout' : 'network';
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

/** TMDB's answer as a TmdbError, by HTTP status and TMDB's own status_code. */
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
  };
}
