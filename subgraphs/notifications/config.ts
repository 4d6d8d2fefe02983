import { z } from 'zod';
import { bool, commonEnv, subgraphEnv, loadConfig, port, positiveInt, requireInProduction } from '../../platform/config';
import { tmdbCredentialsRequired, tmdbEnv } from '../../platform/tmdb/config';
import { eventsTable } from '../../platform/events/table';
import { notificationsTable } from './table';

const schema = z
  .object({
    ...commonEnv,
    ...subgraphEnv,
    ...tmdbEnv,
    NOTIFICATIONS_PORT: port(4003),
    /** Prometheus /metrics, on a port of its own. */
    NOTIFICATIONS_METRICS_PORT: port(9467),
    /** Signs pagination cursors; `npm start` generates one, tests without it derive one from the gateway key. */
    CURSOR_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    DYNAMODB_ENDPOINT: z.string().url().optional(),
    SNS_ENDPOINT: z.string().url().optional(),
    SQS_ENDPOINT: z.string().url().optional(),
    SNS_TOPIC_ARN: z
      .string()
      .regex(/^arn:aws:sns:/, 'must be an SNS topic ARN')
      .optional(),
    NOTIFICATIONS_TABLE: z.string().min(3).default(notificationsTable.defaultName),
    EVENTS_TABLE: z.string().min(3).default(eventsTable.defaultName),
    RELAY_ENABLED: bool(true),
    RELAY_POLL_MS: positiveInt(500),
    RELAY_LEASE_MS: positiveInt(30_000),
    NOTIFICATION_COALESCE_WINDOW_SECONDS: z.coerce.number().int().min(0).default(3600),
    /** How long the live bus (Redis Stream) keeps a message: how far back a reconnecting subscriber resumes (docs/live.md). */
    LIVE_RETENTION_SECONDS: positiveInt(900),
  })
  .refine(tmdbCredentialsRequired.check, tmdbCredentialsRequired.message);

export type NotificationsConfig = z.infer<typeof schema>;

export function loadNotificationsConfig(env: NodeJS.ProcessEnv = process.env): NotificationsConfig {
  const cfg = loadConfig('notifications', schema, env);
  requireInProduction(cfg, 'GATEWAY_PUBLIC_KEY', cfg.GATEWAY_PUBLIC_KEY);
  requireInProduction(cfg, 'CURSOR_SECRET', cfg.CURSOR_SECRET);
  requireInProduction(cfg, 'SNS_TOPIC_ARN', cfg.SNS_TOPIC_ARN);
  return cfg;
}
