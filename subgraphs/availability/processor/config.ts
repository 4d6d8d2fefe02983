import { z } from 'zod';
import { commonEnv, loadConfig, port, positiveInt } from '../../../platform/config';
import { tmdbCredentialsRequired, tmdbEnv } from '../../../platform/tmdb/config';
import { feedStorageEnv } from '../config';

const schema = z
  .object({
    ...commonEnv,
    ...tmdbEnv,
    ...feedStorageEnv,
    /** The queue S3's object-created events for the feed bucket arrive on (fauxqs's URLs, sqs.<region>.127.0.0.1, are no WHATWG URLs). */
    FEED_QUEUE_URL: z.string().regex(/^https?:\/\/\S+\/[^/\s]+$/, 'must be an SQS queue URL'),
    SQS_ENDPOINT: z.string().url().optional(),
    SNS_ENDPOINT: z.string().url().optional(),
    /** Where providers are told that a feed was rejected or could not be processed (message attribute `providerId`). */
    PROVIDER_ALERT_TOPIC_ARN: z.string().min(1),
    /** Deliveries of one message before SQS moves it to the dead-letter queue: the queue's redrive maxReceiveCount. */
    FEED_MAX_RECEIVES: positiveInt(3),
    /** A file larger than this is rejected unread. */
    FEED_MAX_BYTES: positiveInt(5 * 1024 * 1024),
    FEED_MAX_OFFERS: positiveInt(10_000),
    /** SQS long-poll wait (0 to 20 s). */
    FEED_POLL_WAIT_SECONDS: z.coerce.number().int().min(0).max(20).default(20),
    /** The first retry delay of a failed message (RETRY_POLICIES.feedMessage doubles it up to 60 s). */
    FEED_RETRY_DELAY_MS: positiveInt(2000),
    /** /health (the ECS container check and local mode's start-up wait). */
    FEED_PROCESSOR_PORT: port(4005),
    /** Prometheus /metrics, on a port of its own. */
    FEED_PROCESSOR_METRICS_PORT: port(9469),
  })
  .refine(tmdbCredentialsRequired.check, tmdbCredentialsRequired.message);

export type FeedProcessorConfig = z.infer<typeof schema>;

/** Every variable it needs is required: without a queue, a bucket and a topic there is nothing to do. */
export function loadFeedProcessorConfig(env: NodeJS.ProcessEnv = process.env): FeedProcessorConfig {
  return loadConfig('feed-processor', schema, env);
}
