import { Counter, Histogram, type Registry } from 'prom-client';
import { perRegistry } from '../../platform/metrics';
import type { Generations, InvalidationMessage } from './generations';

/** The entity cache's metrics, one set per registry; every label has a fixed set of values. */
export const entityCacheMetrics = perRegistry((registry: Registry) => ({
  invalidations: new Counter({
    name: 'marquee_gateway_cache_invalidations_total',
    help: 'Invalidations this replica heard on the Redis channel, by source (event: the relay, operator: POST /cache/invalidation, other)',
    labelNames: ['source'],
    registers: [registry],
  }),
  invalidatedDependencies: new Counter({
    name: 'marquee_gateway_cache_invalidated_dependencies_total',
    help: 'Generation counters bumped by the invalidations heard (a film event bumps its entity and its tag)',
    registers: [registry],
  }),
  lag: new Histogram({
    name: 'marquee_gateway_cache_invalidation_lag_seconds',
    help: "From a write's commit (the event's occurredAt) to this replica hearing its invalidation, by source",
    labelNames: ['source'],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2.5, 5, 10],
    registers: [registry],
  }),
  responses: new Counter({
    name: 'marquee_gateway_response_cache_total',
    help: 'Response cache lookups by result: hit, miss, or stale (kept, but a film it shows was invalidated since)',
    labelNames: ['result'],
    registers: [registry],
  }),
}));

export type EntityCacheMetrics = NonNullable<ReturnType<typeof entityCacheMetrics>>;

/** Counts what this replica hears, and the lag from each write's commit. */
export function observeInvalidations(generations: Generations, registry: Registry, now: () => number = Date.now): void {
  const metrics = entityCacheMetrics(registry)!;
  generations.onInvalidation((m: InvalidationMessage) => {
    const source = m.source === 'event' || m.source === 'operator' ? m.source : 'other';
    metrics.invalidations.inc({ source });
    metrics.invalidatedDependencies.inc(m.deps.length);
    if (typeof m.committedAt === 'number' && Number.isFinite(m.committedAt)) metrics.lag.observe({ source }, Math.max(0, (now() - m.committedAt) / 1000));
  });
}
