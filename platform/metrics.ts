import { Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per process; services add their own metrics to it. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}
