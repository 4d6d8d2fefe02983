/**
 * The feed processor as a process: its own ECS service in AWS (scaled on the queue's depth),
 * its own process in local mode. Takes S3 events off FEED_QUEUE_URL until SIGTERM.
 */
import http from 'node:http';
import { createDynamoDb, createS3, createSns, createSqs } from '../../../platform/aws';
import { createCache } from '../../../platform/cache';
import { ConfigError } from '../../../platform/config';
import { listen } from '../../../platform/http';
import { createLogger } from '../../../platform/logger';
import { mapLimit } from '../../../platform/map-limit';
import { createMetricsRegistry, startMetricsServer } from '../../../platform/metrics';
import { retrySpec } from '../../../platform/retry';
import { stopOnSignals } from '../../../platform/startup';
import { createTmdbClient } from '../../../platform/tmdb/create-client';
import { movieExists } from '../../../platform/tmdb/movie-exists';
import { OffersStore } from '../offers';
import { UploadsStore } from '../uploads';
import { ProviderAlerts } from './alerts';
import { loadFeedProcessorConfig, type FeedProcessorConfig } from './config';
import type { CrashPoint } from './process-file';
import { FeedWorker } from './worker';

export interface RunningProcessor {
  worker: FeedWorker;
  port: number;
  stop(): Promise<void>;
}

/** `crash`: tests stop the worker at a point as if the process died there. */
export async function startFeedProcessor(cfg: FeedProcessorConfig, crash?: (point: CrashPoint) => void | Promise<void>): Promise<RunningProcessor> {
  const logger = createLogger('feed-processor', cfg.LOG_LEVEL);
  const registry = createMetricsRegistry('feed-processor');
  const aws = { region: cfg.AWS_REGION };
  const doc = createDynamoDb({ ...aws, endpoint: cfg.DYNAMODB_ENDPOINT }, registry);
  const s3 = createS3({ ...aws, endpoint: cfg.S3_ENDPOINT });
  const sqs = createSqs({ ...aws, endpoint: cfg.SQS_ENDPOINT });
  const sns = createSns({ ...aws, endpoint: cfg.SNS_ENDPOINT });
  const cache = createCache({ redisUrl: cfg.REDIS_URL, redisAuthToken: cfg.REDIS_AUTH_TOKEN, logger, registry });
  const tmdb = createTmdbClient(cfg, { cache, logger, registry });
  const alerts = new ProviderAlerts({ sns, topicArn: cfg.PROVIDER_ALERT_TOPIC_ARN });
  const unknownMovies = async (ids: string[]) => {
    const unknown = new Set<string>();
    await mapLimit(ids, 8, async (id) => {
      if (!(await movieExists(tmdb, id))) unknown.add(id);
    });
    return unknown;
  };
  const worker = new FeedWorker({
    sqs,
    queueUrl: cfg.FEED_QUEUE_URL,
    alerts,
    logger,
    registry,
    maxReceives: cfg.FEED_MAX_RECEIVES,
    waitSeconds: cfg.FEED_POLL_WAIT_SECONDS,
    retry: retrySpec('feedMessage', { initialDelayMs: cfg.FEED_RETRY_DELAY_MS }),
    file: {
      s3,
      bucket: cfg.FEED_BUCKET,
      offers: new OffersStore({ doc, table: cfg.AVAILABILITY_TABLE }),
      uploads: new UploadsStore({ doc, table: cfg.AVAILABILITY_TABLE }),
      cache,
      alerts,
      logger,
      limits: { maxBytes: cfg.FEED_MAX_BYTES, maxOffers: cfg.FEED_MAX_OFFERS },
      unknownMovies,
      crash,
    },
  }).start();
  const health = http.createServer((req, res) => {
    const ok = req.method === 'GET' && (req.url ?? '').split('?')[0] === '/health';
    res.writeHead(ok ? 200 : 404, { 'content-type': 'application/json' }).end(ok ? '{"status":"ok","service":"feed-processor"}' : '{}');
  });
  const port = await listen(health, cfg.FEED_PROCESSOR_PORT);
  const metrics = await startMetricsServer(registry, cfg.FEED_PROCESSOR_METRICS_PORT);
  logger.info({ port, queue: cfg.FEED_QUEUE_URL }, 'feed processor started');
  return {
    worker,
    port,
    stop: async () => {
      await worker.stop();
      await new Promise<void>((r) => health.close(() => r()));
      await metrics.close();
      await cache.close();
      for (const c of [doc, s3, sqs, sns]) c.destroy();
    },
  };
}

if (require.main === module) {
  (async () => {
    const cfg = loadFeedProcessorConfig();
    const running = await startFeedProcessor(cfg);
    stopOnSignals(running, createLogger('feed-processor', cfg.LOG_LEVEL));
  })().catch((err) => {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exit(1);
  });
}
