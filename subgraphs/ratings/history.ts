import { PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchGetItems } from '../../platform/dynamodb-batch';
import type { RatingSource } from '../../platform/omdb/types';

/** One outside source's score on the day of a snapshot. */
export interface SnapshotSource {
  source: RatingSource;
  score: number;
  votes: number | null;
}

export interface ScoresValue {
  consensus: number | null;
  critics: number | null;
  audience: number | null;
  users: number | null;
}

/** A film's scores on one UTC day, as the snapshot task stored them. */
export interface ScoreSnapshotItem {
  movieId: string;
  /** YYYY-MM-DD, UTC. */
  date: string;
  sources: SnapshotSource[];
  scores: ScoresValue;
  takenAt: string;
}

/** How long a day's snapshot is kept (TTL): a year of history, and some margin. */
const RETENTION_DAYS = 400;

const key = (movieId: string, date: string) => ({ pk: `MOVIE#${movieId}`, sk: `DAY#${date}` });

/** The only code that touches the score-history table (history-table.ts). */
export class ScoreHistoryStore {
  constructor(private readonly opts: { doc: DynamoDBDocumentClient; table: string }) {}

  /** A film's snapshots from `from` to `to` (YYYY-MM-DD, both included), oldest first. */
  async range(movieId: string, from: string, to: string): Promise<ScoreSnapshotItem[]> {
    const items: ScoreSnapshotItem[] = [];
    let after: Record<string, unknown> | undefined;
    do {
      const out = await this.opts.doc.send(
        new QueryCommand({
          TableName: this.opts.table,
          KeyConditionExpression: 'pk = :p AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':p': `MOVIE#${movieId}`, ':from': `DAY#${from}`, ':to': `DAY#${to}` },
          ExclusiveStartKey: after,
        }),
      );
      for (const item of out.Items ?? []) items.push(toSnapshot(item));
      after = out.LastEvaluatedKey;
    } while (after);
    return items;
  }

  /** Writes (or rewrites) a film's snapshot of a day: a re-run the same day replaces it. */
  async put(s: ScoreSnapshotItem): Promise<void> {
    const expiresAt = Math.floor(Date.parse(s.takenAt) / 1000) + RETENTION_DAYS * 86_400;
    await this.opts.doc.send(new PutCommand({ TableName: this.opts.table, Item: { ...key(s.movieId, s.date), ...s, expiresAt } }));
  }

  /** Which of these films already have a snapshot of `date`. */
  async taken(movieIds: readonly string[], date: string): Promise<Set<string>> {
    const found = await batchGetItems(
      this.opts.doc,
      this.opts.table,
      movieIds.map((id) => key(id, date)),
    );
    return new Set(found.flatMap((item, i) => (item ? [movieIds[i]] : [])));
  }
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function toSnapshot(item: Record<string, unknown>): ScoreSnapshotItem {
  const scores = (item.scores ?? {}) as Record<string, unknown>;
  const sources = Array.isArray(item.sources) ? (item.sources as Record<string, unknown>[]) : [];
  return {
    movieId: String(item.movieId),
    date: String(item.date),
    takenAt: String(item.takenAt),
    scores: { consensus: num(scores.consensus), critics: num(scores.critics), audience: num(scores.audience), users: num(scores.users) },
    sources: sources
      .filter((s) => typeof s.source === 'string' && num(s.score) !== null)
      .map((s) => ({ source: s.source as RatingSource, score: num(s.score)!, votes: num(s.votes) })),
  };
}
