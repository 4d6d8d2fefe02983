import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * The gateway's own request metrics, shared by the HTTP steps (in flight, rate limited) and the
 * GraphQL layer (duration, errors). The subgraph clients and the subgraph cache keep theirs.
 */
export interface GatewayMetrics {
  requests: Histogram<'operation' | 'status'>;
  errors: Counter<'code'>;
  inflight: Gauge;
  rateLimited: Counter<'kind'>;
}

export function gatewayMetrics(registry: Registry): GatewayMetrics {
  return {
    requests: new Histogram({
      name: 'marquee_gateway_request_duration_seconds',
      help: 'GraphQL operations served by the gateway',
      labelNames: ['operation', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    errors: new Counter({
      name: 'marquee_gateway_errors_total',
      help: 'GraphQL errors returned to clients, by code',
      labelNames: ['code'],
      registers: [registry],
    }),
    inflight: new Gauge({ name: 'marquee_gateway_inflight_requests', help: 'GraphQL requests being served', registers: [registry] }),
    rateLimited: new Counter({
      name: 'marquee_gateway_rate_limited_total',
      help: 'Requests refused by the rate limiter',
      labelNames: ['kind'],
      registers: [registry],
    }),
  };
}
