import { Router } from 'express';
import type { Lifecycle } from './inflight';

/**
 * `/health` (the process is up) and `/ready` (every subgraph's /health answers, and the gateway
 * is not draining): the load balancer's checks.
 */
export function healthRoutes(subgraphUrls: Record<string, string>, lifecycle: Lifecycle): Router {
  const router = Router();
  router.get('/health', (_req, res) => {
    res.json({ status: 'ok', service: 'gateway' });
  });
  router.get('/ready', async (_req, res) => {
    if (lifecycle.draining) {
      res.status(503).json({ status: 'draining' });
      return;
    }
    const checks: Record<string, boolean> = {};
    await Promise.all(
      Object.entries(subgraphUrls).map(async ([name, url]) => {
        const health = new URL('/health', url);
        checks[name] = await fetch(health, { signal: AbortSignal.timeout(2000) }).then(
          (r) => r.ok,
          () => false,
        );
      }),
    );
    const ready = Object.values(checks).every(Boolean);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks });
  });
  return router;
}
