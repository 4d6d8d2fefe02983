import type { RequestHandler } from 'express';
import type { Gauge } from 'prom-client';

/** Set once the gateway is shutting down: readiness fails and keep-alive clients are asked to leave. */
export interface Lifecycle {
  draining: boolean;
}

/** The step just before Apollo: counts the request in flight until its response closes. */
export function inflight(gauge: Gauge, lifecycle: Lifecycle): RequestHandler {
  return (_req, res, next) => {
    // While draining, ask keep-alive clients not to reuse the socket.
    if (lifecycle.draining) res.setHeader('connection', 'close');
    gauge.inc();
    res.once('close', () => gauge.dec());
    next();
  };
}
