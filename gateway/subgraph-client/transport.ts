import { context as otelContext, propagation } from '@opentelemetry/api';
import { Pool } from 'undici';
import type { Histogram } from 'prom-client';
import { INTERNAL_IDENTITY_HEADER } from '../../platform/identity';
import { SubgraphHttpError, SubgraphUnavailableError } from './errors';

/** A subgraph's 2xx answer: its body as text, and its Cache-Control header. */
export interface Sent {
  text: string;
  cacheControl: string | undefined;
}

/**
 * POSTs a body to one subgraph on undici's pooled `request` (less work per call than a node-fetch
 * Request plus a fetch), with the caller's signed identity, the request id and the W3C trace
 * context. Fails with SubgraphHttpError (a status outside 2xx) or SubgraphUnavailableError (no
 * complete answer).
 */
export class Transport {
  private readonly pool: Pool;
  private readonly path: string;

  constructor(
    private readonly subgraph: string,
    url: string,
    private readonly timeoutMs: number,
    connections: number,
    private readonly latency?: Histogram<'subgraph' | 'status'>,
  ) {
    const parsed = new URL(url);
    this.path = parsed.pathname + parsed.search;
    // Idle sockets close well before the subgraph's 65 s keep-alive timeout: never write to a
    // socket the other side is closing.
    this.pool = new Pool(parsed.origin, { connections, keepAliveTimeout: 30_000, keepAliveMaxTimeout: 60_000, pipelining: 1 });
  }

  async send(body: string, identity: string, requestId: string | undefined): Promise<Sent> {
    const headers: Record<string, string> = { 'content-type': 'application/json', [INTERNAL_IDENTITY_HEADER]: identity };
    if (requestId) headers['x-request-id'] = requestId;
    // W3C trace context, when OpenTelemetry is on (a no-op otherwise).
    propagation.inject(otelContext.active(), headers);
    const started = process.hrtime.bigint();
    let status = 'error';
    try {
      // undici's own timers, not an AbortSignal.timeout per call: one less timer and signal per call.
      const res = await this.pool
        .request({ path: this.path, method: 'POST', headers, body, headersTimeout: this.timeoutMs, bodyTimeout: this.timeoutMs })
        .catch((err: unknown) => {
          // No HTTP status: the call never got an answer (refused, reset, timed out).
          throw new SubgraphUnavailableError(this.subgraph, `Couldn't reach subgraph ${this.subgraph}: ${describe(err)}`, { cause: err });
        });
      status = String(res.statusCode);
      const text = await res.body.text().catch((err: unknown) => {
        throw new SubgraphUnavailableError(this.subgraph, `Subgraph ${this.subgraph} broke off its answer: ${describe(err)}`, { cause: err });
      });
      if (res.statusCode < 200 || res.statusCode >= 300) {
        throw new SubgraphHttpError(this.subgraph, res.statusCode, `${res.statusCode}: subgraph ${this.subgraph} answered ${text.slice(0, 200)}`);
      }
      const cc = res.headers['cache-control'];
      return { text, cacheControl: Array.isArray(cc) ? cc.join(',') : cc };
    } finally {
      this.latency?.observe({ subgraph: this.subgraph, status }, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

function describe(err: unknown): string {
  const e = err as { code?: string; name?: string; message?: string };
  return `${e.code ?? e.name ?? 'error'} ${e.message ?? ''}`.trim();
}
