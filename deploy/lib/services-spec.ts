import { GATEWAY_ENTRY } from '../../gateway/runtime';

/** The five long-running tasks behind Service Connect; the order is the order they are created in the stack. */
export const SERVICE_NAMES = ['movies', 'ratings', 'notifications', 'availability', 'gateway'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];
export const SUBGRAPH_NAMES = ['movies', 'ratings', 'notifications', 'availability'] as const;

/**
 * Long-lived connections (subscriptions, docs/live.md) through the ALB: it closes a connection
 * idle this long, so the gateway sends a keep-alive (SSE comment, WebSocket ping) at least twice
 * per idle period, and keeps idle HTTP sockets open longer than the ALB (GATEWAY_KEEP_ALIVE_TIMEOUT_MS).
 */
export const ALB_IDLE_TIMEOUT_SECONDS = 60;
export const LIVE_KEEPALIVE_MS = 15_000;

export const PORTS: Record<ServiceName, number> = { gateway: 4000, movies: 4001, ratings: 4002, notifications: 4003, availability: 4004 };
/** Prometheus ports: no port mapping, no security-group rule and no listener reaches them from the load balancer. */
export const METRICS_PORTS: Record<ServiceName, { name: string; port: number }> = {
  gateway: { name: 'METRICS_PORT', port: 9464 },
  movies: { name: 'MOVIES_METRICS_PORT', port: 9465 },
  ratings: { name: 'RATINGS_METRICS_PORT', port: 9466 },
  notifications: { name: 'NOTIFICATIONS_METRICS_PORT', port: 9467 },
  availability: { name: 'AVAILABILITY_METRICS_PORT', port: 9468 },
};
export const ENTRY: Record<ServiceName, string> = {
  gateway: GATEWAY_ENTRY,
  movies: 'dist/subgraphs/movies/main.js',
  ratings: 'dist/subgraphs/ratings/main.js',
  notifications: 'dist/subgraphs/notifications/main.js',
  availability: 'dist/subgraphs/availability/main.js',
};

/** `movies` → `Movies`: the prefix of a service's construct ids (`MoviesTask`, `MoviesService`). */
export function cap(s: string): string {
  return s[0].toUpperCase() + s.slice(1);
}
