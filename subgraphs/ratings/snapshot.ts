import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchGetItems } from '../../platform/dynamodb-batch';
import type { Logger } from '../../platform/logger';
import { mapLimit } from '../../platform/map-limit';
import type { OmdbClient } from '../../platform/omdb/client';
import { externalRatingEntries, tmdbRating } from '../../platform/omdb/entries';
import { OmdbError } from '../../platform/omdb/errors';
import { IMDB_ID } from '../../platform/omdb/parse';
import type { OmdbRatings } from '../../platform/omdb/types';
import type { TmdbClient } from '../../platform/tmdb/client';
import { TmdbError } from '../../platform/tmdb/errors';
import type { ScoreHistoryStore } from './history';
import { computeScores, usersFromSummary } from './scores';
import { keys } from './store';

/**
 * The daily score snapshot (an ECS task started by an EventBridge schedule in AWS, an interval in
 * local mode): for every film that users follow or have rated, today's external ratings and
 * scores, one history item per film per UTC day. It goes through the same cached OMDb client as
 * the movies subgraph, so a film anyone looked at today costs no OMDb request, and it draws from
 * the same daily quota with a lower limit of its own (SNAPSHOT_QUOTA_RESERVE is left for live
 * traffic). A film whose OMDb answer cannot be had (quota spent, OMDb down, no copy) is left for
 * the next run; a re-run on the same day skips the films it already did.
 */
export interface SnapshotDeps {
  doc: DynamoDBDocumentClient;
  tables: { ratings: string; notifications: string };
  history: ScoreHistoryStore;
  tmdb: TmdbClient;
  /** Undefined without OMDB_API_KEY: snapshots then hold TMDB's rating only. */
  omdb?: OmdbClient;
  logger: Logger;
  concurrency?: number;
  now?: () => Date;
}

export interface SnapshotReport {
  date: string;
  tracked: number;
  /** Already snapshotted today by an earlier run. */
  alreadyDone: number;
  written: number;
  /** Left for the next run: OMDb's quota was spent (by Marquee's count or OMDb's). */
  deferredForQuota: number;
  /** Left for the next run: OMDb or TMDB failing. */
  failed: number;
  /** Films TMDB no longer knows. */
  unknown: number;
}

/** Films with at least one follower (notifications) or one rating (ratings), by scanning each table's counters. */
export async function trackedMovieIds(doc: DynamoDBDocumentClient, tables: SnapshotDeps['tables']): Promise<string[]> {
  const scan = async (table: string, sk: string) => {
    const ids: string[] = [];
    let after: Record<string, unknown> | undefined;
    do {
      const out = await doc.send(
        new ScanCommand({
          TableName: table,
          FilterExpression: 'sk = :sk AND #c > :zero',
          ProjectionExpression: 'pk',
          ExpressionAttributeNames: { '#c': 'count' },
          ExpressionAttributeValues: { ':sk': sk, ':zero': 0 },
          ExclusiveStartKey: after,
        }),
      );
      for (const item of out.Items ?? []) {
        const m = /^MOVIE#(\d+)$/.exec(String(item.pk));
        if (m) ids.push(m[1]);
      }
      after = out.LastEvaluatedKey;
    } while (after);
    return ids;
  };
  const [rated, followed] = await Promise.all([scan(tables.ratings, 'SUMMARY'), scan(tables.notifications, 'FOLLOWERS')]);
  return [...new Set([...rated, ...followed])].sort((a, b) => Number(a) - Number(b));
}

export async function runScoreSnapshot(deps: SnapshotDeps): Promise<SnapshotReport> {
  const now = (deps.now ?? (() => new Date()))();
  const date = now.toISOString().slice(0, 10);
  const tracked = await trackedMovieIds(deps.doc, deps.tables);
  const done = await deps.history.taken(tracked, date);
  const todo = tracked.filter((id) => !done.has(id));
  const summaries = await batchGetItems(deps.doc, deps.tables.ratings, todo.map(keys.summary));
  const summaryOf = new Map(todo.map((id, i) => [id, summaries[i]]));
  const report: SnapshotReport = { date, tracked: tracked.length, alreadyDone: done.size, written: 0, deferredForQuota: 0, failed: 0, unknown: 0 };

  await mapLimit(todo, deps.concurrency ?? 4, async (movieId) => {
    try {
      const [film] = await deps.tmdb.movies([{ id: movieId, blocks: [] }]);
      if (film instanceof TmdbError) {
        if (film.kind === 'not_found') report.unknown++;
        else report.failed++;
        return;
      }
      let omdb: OmdbRatings | null = null;
      const imdbId = film.detail.imdb_id?.trim();
      if (deps.omdb && imdbId && IMDB_ID.test(imdbId)) {
        try {
          omdb = await deps.omdb.rating(imdbId);
        } catch (err) {
          if (!(err instanceof OmdbError)) throw err;
          if (err.kind === 'quota') {
            report.deferredForQuota++;
            return;
          }
          if (err.kind !== 'not_found') {
            report.failed++;
            deps.logger.warn({ movieId, kind: err.kind }, 'score snapshot: OMDb failed; film left for the next run');
            return;
          }
        }
      }
      const sources = externalRatingEntries(tmdbRating(movieId, film.detail.vote_average, film.detail.vote_count), omdb).map(({ source, score, votes }) => ({
        source,
        score,
        votes,
      }));
      const scores = computeScores(sources, usersFromSummary(movieId, summaryOf.get(movieId) ?? null));
      await deps.history.put({ movieId, date, sources, scores, takenAt: now.toISOString() });
      report.written++;
    } catch (err) {
      report.failed++;
      deps.logger.error({ movieId, err: err instanceof Error ? err.message : String(err) }, 'score snapshot: film failed');
    }
  });
  deps.logger.info({ ...report }, 'score snapshot done');
  return report;
}
