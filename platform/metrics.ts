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
