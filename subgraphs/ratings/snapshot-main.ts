/**
 * The score snapshot as a process that runs once and exits: the command of the ECS task the
 * EventBridge schedule starts every day, and what local mode runs on an interval
 * (SCORE_SNAPSHOT_INTERVAL_MINUTES, local/snapshot-interval.ts).
 */
import { createDynamoDb } from '../../platform/aws';
import type Redis from 'ioredis';
import { RedisCache, createCache } from '../../platform/cache';
import { ConfigError } from '../../platform/config';
import { createLogger } from '../../platform/logger';
import { createOmdbClient } from '../../platform/omdb/config';
import { createTmdbClient } from '../../platform/tmdb/create-client';
import { ScoreHistoryStore } from './history';
import { loadSnapshotConfig, type SnapshotConfig } from './snapshot-config';
import { runScoreSnapshot, type SnapshotReport } from './snapshot';

export async function runSnapshotTask(cfg: SnapshotConfig): Promise<SnapshotReport> {
  const logger = createLogger('score-snapshot', cfg.LOG_LEVEL);
  const cache = createCache({ redisUrl: cfg.REDIS_URL, redisAuthToken: cfg.REDIS_AUTH_TOKEN, logger });
  const doc = createDynamoDb({ region: cfg.AWS_REGION, endpoint: cfg.DYNAMODB_ENDPOINT });
  try {
    // Redis connects in the background; the quota and cache fall back to this process until it is ready.
    if (cache instanceof RedisCache) await waitForRedis(cache.redis);
    const tmdb = createTmdbClient(cfg, { cache, logger });
    // Live traffic keeps its reserve: this process's view of the day's quota is lower.
    const omdb = createOmdbClient(
      cfg,
      { cache, logger },
      { dailyLimit: Math.floor(cfg.OMDB_DAILY_LIMIT * (1 - cfg.SNAPSHOT_QUOTA_RESERVE)), perCaller: false },
    );
    return await runScoreSnapshot({
      doc,
      tables: { ratings: cfg.RATINGS_TABLE, notifications: cfg.NOTIFICATIONS_TABLE },
      history: new ScoreHistoryStore({ doc, table: cfg.SCORE_HISTORY_TABLE }),
      tmdb,
      omdb,
      logger,
      concurrency: cfg.SNAPSHOT_CONCURRENCY,
    });
  } finally {
    await cache.close();
    doc.destroy();
  }
}

/** Up to 3 s for Redis, so that the shared quota (not a per-process count) applies from the first request. */
function waitForRedis(redis: Redis): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 3000);
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

if (require.main === module) {
  (async () => {
    await runSnapshotTask(loadSnapshotConfig());
  })().catch((err) => {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exit(1);
  });
}
