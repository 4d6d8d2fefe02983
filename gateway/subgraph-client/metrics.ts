import { Counter, Histogram, type Registry } from 'prom-client';
import { perRegistry } from '../../platform/metrics';

/** The subgraph clients' metrics: one set per registry, however many subgraphs (each is a label). */
export interface SubgraphClientMetrics {
  latency: Histogram<'subgraph' | 'status'>;
  deduped: Counter<'subgraph' | 'scope'>;
  batched: Counter<'subgraph'>;
  batchRefused: Counter<'subgraph'>;
}

export const subgraphClientMetrics: (registry: Registry | undefined) => SubgraphClientMetrics | undefined = perRegistry((registry) => ({
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
}));
