import http from 'node:http';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { listen } from './http';

/** One registry per process; services add their own metrics to it. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * A metric (or a set of them) made once per registry, on first use. prom-client refuses a second
 * metric of the same name in one registry, and a module that many instances share (every
 * subgraph client, every use of Redis) must not make its metric per instance; tests and the
 * bench start several services in one process, each with its own registry, so a module-level
 * metric would not do either. No registry, no metric.
 */
export function perRegistry<T>(make: (registry: Registry) => T): (registry: Registry | undefined) => T | undefined {
  const made = new WeakMap<Registry, T>();
  return (registry) => {
    if (!registry) return undefined;
    let m = made.get(registry);
    if (m === undefined) made.set(registry, (m = make(registry)));
    return m;
  };
}

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

/**
 * /metrics on its own port (METRICS_PORT and the subgraphs' *_METRICS_PORT), which the load
 * balancer does not route: the public port serves no metrics under any spelling of the path.
 */
export async function startMetricsServer(registry: Registry, port: number, host?: string): Promise<MetricsServer> {
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      () => res.writeHead(500).end(),
    );
  });
  const bound = await listen(server, port, host);
  return {
    port: bound,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
