/**
 * Local mode's fixed development values. They are public by design: local mode is for a
 * developer's machine, and production configs refuse to start without real secrets.
 */
export const LOCAL_JWT_SECRET = 'marquee-local-development-jwt-secret-not-for-production';
export const LOCAL_TMDB_TOKEN = 'marquee-local-tmdb-token';
export const LOCAL_OMDB_KEY = 'marquee-local-omdb-key';
export const LOCAL_TOPIC_NAME = 'marquee-events';
/** Prometheus ports, as in production (each service's metrics on a port the load balancer does not route). */
export const DEFAULT_METRICS_PORTS = { gateway: 9464, movies: 9465, ratings: 9466, notifications: 9467, availability: 9468, 'feed-processor': 9469 } as const;
export const DEFAULT_PORTS = {
  gateway: 4000,
  movies: 4001,
  ratings: 4002,
  notifications: 4003,
  availability: 4004,
  'feed-processor': 4005,
  'feed-bridge': 4012,
  tmdb: 4010,
  omdb: 4011,
  dynamodb: 8000,
  sns: 4566,
  redis: 6390,
} as const;
/** Local mode's feed bucket, queues and provider alert topic (a suffix per stack keeps tests apart). */
export const LOCAL_FEED_NAMES = { bucket: 'marquee-feeds', queue: 'marquee-feeds', dlq: 'marquee-feeds-dlq', alerts: 'marquee-provider-alerts' } as const;
/** `npm start`'s provider (when PARTNER_KEYS is unset): a partner key with the `provider` role, for trying feed uploads. */
export const LOCAL_PROVIDER = { id: 'demo-provider', key: 'mq_local_demo_provider_key_not_for_production' } as const;
