import * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { RedisCache } from './cache';
import type { Tables } from './data';
import type { StackScope } from './scope';
import type { FeedStorage } from './availability';
import type { AppSecrets } from './secrets';
import { LIVE_KEEPALIVE_MS, PORTS, type ServiceName } from './services-spec';

export interface ServiceEnvInputs {
  tables: Tables;
  topic: sns.Topic;
  redis: RedisCache;
  secrets: AppSecrets;
  feeds: FeedStorage;
}

export interface ServiceEnv {
  /** Every task's plain variables: production mode, region, Redis. */
  common: Record<string, string>;
  environment: Record<ServiceName, Record<string, string>>;
  secrets: Record<ServiceName, Record<string, ecs.Secret>>;
  /** The secret variables the score snapshot task gets (Redis, TMDB, OMDb). */
  snapshotSecrets: Record<string, ecs.Secret>;
  /** The feed processor's: Redis (it drops cached offers) and TMDB (it checks the films exist). */
  feedProcessorSecrets: Record<string, ecs.Secret>;
}

/**
 * Which variables and which secrets each task gets. Least privilege here too: the gateway alone
 * gets the signing key, the subgraphs the public key, only the subgraphs with cursors the cursor key.
 */
export function serviceEnv({ stack, cfg }: StackScope, { tables, topic, redis, secrets: s, feeds }: ServiceEnvInputs): ServiceEnv {
  const common: Record<string, string> = { NODE_ENV: 'production', LOG_LEVEL: 'info', AWS_REGION: stack.region, REDIS_URL: redis.url };
  const tmdb = { TMDB_ACCESS_TOKEN: ecs.Secret.fromSecretsManager(s.tmdb) };
  const omdb = { OMDB_API_KEY: ecs.Secret.fromSecretsManager(s.omdb) };
  const redisAuthToken = { REDIS_AUTH_TOKEN: ecs.Secret.fromSecretsManager(redis.authToken) };
  const verifying = { GATEWAY_PUBLIC_KEY: ecs.Secret.fromSecretsManager(s.gatewayPublicKey), ...redisAuthToken };
  const cursors = { CURSOR_SECRET: ecs.Secret.fromSecretsManager(s.cursor) };
  const environment: Record<ServiceName, Record<string, string>> = {
    gateway: {
      ...common,
      GATEWAY_PORT: String(PORTS.gateway),
      MOVIES_URL: `http://movies:${PORTS.movies}/graphql`,
      RATINGS_URL: `http://ratings:${PORTS.ratings}/graphql`,
      NOTIFICATIONS_URL: `http://notifications:${PORTS.notifications}/graphql`,
      AVAILABILITY_URL: `http://availability:${PORTS.availability}/graphql`,
      SUPERGRAPH_PATH: 'schema/supergraph.graphql',
      CORS_ORIGINS: cfg.domain ? `https://${cfg.domain}` : '*',
      // One hop: the ALB appends the client's address to X-Forwarded-For; the gateway reads this as
      // the number 1 (gateway/trust-proxy.ts), so req.ip is that address.
      TRUST_PROXY: '1',
      SHUTDOWN_DELAY_MS: '15000',
      SHUTDOWN_GRACE_MS: '40000',
      LIVE_KEEPALIVE_MS: String(LIVE_KEEPALIVE_MS),
    },
    movies: { ...common, MOVIES_PORT: String(PORTS.movies) },
    ratings: {
      ...common,
      RATINGS_PORT: String(PORTS.ratings),
      RATINGS_TABLE: tables.ratings.tableName,
      EVENTS_TABLE: tables.events.tableName,
      SCORE_HISTORY_TABLE: tables.scoreHistory.tableName,
    },
    notifications: {
      ...common,
      NOTIFICATIONS_PORT: String(PORTS.notifications),
      NOTIFICATIONS_TABLE: tables.notifications.tableName,
      EVENTS_TABLE: tables.events.tableName,
      SNS_TOPIC_ARN: topic.topicArn,
    },
    availability: {
      ...common,
      AVAILABILITY_PORT: String(PORTS.availability),
      AVAILABILITY_TABLE: tables.availability.tableName,
      FEED_BUCKET: feeds.bucket.bucketName,
    },
  };
  const secrets: Record<ServiceName, Record<string, ecs.Secret>> = {
    gateway: {
      GATEWAY_SIGNING_KEY: ecs.Secret.fromSecretsManager(s.gatewaySigningKey),
      ...redisAuthToken,
      JWT_JWKS_URL: ecs.Secret.fromSecretsManager(s.jwt, 'JWT_JWKS_URL'),
      JWT_ISSUER: ecs.Secret.fromSecretsManager(s.jwt, 'JWT_ISSUER'),
      JWT_AUDIENCE: ecs.Secret.fromSecretsManager(s.jwt, 'JWT_AUDIENCE'),
      PARTNER_KEYS: ecs.Secret.fromSecretsManager(s.partnerKeys),
      CACHE_INVALIDATION_TOKEN: ecs.Secret.fromSecretsManager(s.cacheInvalidation),
    },
    movies: { ...verifying, ...tmdb, ...omdb },
    ratings: { ...verifying, ...tmdb, ...cursors },
    notifications: { ...verifying, ...tmdb, ...cursors },
    availability: { ...verifying, ...tmdb, ...cursors },
  };
  return {
    common,
    environment,
    secrets,
    snapshotSecrets: { ...redisAuthToken, ...tmdb, ...omdb },
    feedProcessorSecrets: { ...redisAuthToken, ...tmdb },
  };
}
