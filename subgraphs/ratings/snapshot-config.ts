import { z } from 'zod';
import { commonEnv, loadConfig, positiveInt } from '../../platform/config';
import { omdbEnv } from '../../platform/omdb/config';
import { tmdbCredentialsRequired, tmdbEnv } from '../../platform/tmdb/config';
import { notificationsTable } from '../notifications/table';
import { scoreHistoryTable } from './history-table';
import { ratingsTable } from './table';

/** The score snapshot task's settings (snapshot-main.ts): the tables it reads and writes, TMDB, OMDb. */
const schema = z
  .object({
    ...commonEnv,
    ...tmdbEnv,
    ...omdbEnv,
    DYNAMODB_ENDPOINT: z.string().url().optional(),
    RATINGS_TABLE: z.string().min(3).default(ratingsTable.defaultName),
    NOTIFICATIONS_TABLE: z.string().min(3).default(notificationsTable.defaultName),
    SCORE_HISTORY_TABLE: z.string().min(3).default(scoreHistoryTable.defaultName),
    /** The share of OMDB_DAILY_LIMIT the snapshot leaves for live traffic. */
    SNAPSHOT_QUOTA_RESERVE: z.coerce.number().min(0).max(1).default(0.2),
    SNAPSHOT_CONCURRENCY: positiveInt(4),
  })
  .refine(tmdbCredentialsRequired.check, tmdbCredentialsRequired.message);

export type SnapshotConfig = z.infer<typeof schema>;

export function loadSnapshotConfig(env: NodeJS.ProcessEnv = process.env): SnapshotConfig {
  return loadConfig('score-snapshot', schema, env);
}
