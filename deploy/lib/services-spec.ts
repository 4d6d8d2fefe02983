import { GATEWAY_ENTRY } from '../../gateway/runtime';

/** The four long-running tasks; the order is the order they are created in the stack. */
export const SERVICE_NAMES = ['movies', 'ratings', 'notifications', 'gateway'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];
export const SUBGRAPH_NAMES = ['movies', 'ratings', 'notifications'] as const;

export const PORTS: Record<ServiceName, number> = { gateway: 4000, movies: 4001, ratings: 4002, notifications: 4003 };
/** Prometheus ports: no port mapping, no security-group rule and no listener reaches them from the load balancer. */
export const METRICS_PORTS: Record<ServiceName, { name: string; port: number }> = {
  gateway: { name: 'METRICS_PORT', port: 9464 },
  movies: { name: 'MOVIES_METRICS_PORT', port: 9465 },
  ratings: { name: 'RATINGS_METRICS_PORT', port: 9466 },
  notifications: { name: 'NOTIFICATIONS_METRICS_PORT', port: 9467 },
};
export const ENTRY: Record<ServiceName, string> = {
  gateway: GATEWAY_ENTRY,
  movies: 'dist/subgraphs/movies/main.js',
  ratings: 'dist/subgraphs/ratings/main.js',
  notifications: 'dist/subgraphs/notifications/main.js',
};

/** `movies` → `Movies`: the prefix of a service's construct ids (`MoviesTask`, `MoviesService`). */
export function cap(s: string): string {
  return s[0].toUpperCase() + s.slice(1);
}
