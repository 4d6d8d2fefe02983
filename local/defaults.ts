/**
 * Local mode's fixed development values. They are public by design: local mode is for a
 * developer's machine, and production configs refuse to start without real secrets.
 */
export const LOCAL_JWT_SECRET = 'marquee-local-development-jwt-secret-not-for-production';
export const LOCAL_TMDB_TOKEN = 'marquee-local-tmdb-token';
export const LOCAL_TOPIC_NAME = 'marquee-events';
export const DEFAULT_PORTS = { gateway: 4000, movies: 4001, ratings: 4002, notifications: 4003, tmdb: 4010, dynamodb: 8000, sns: 4566 } as const;
