import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchGetItems, type ItemKey, type StoredItem } from '../../platform/dynamodb-batch';
import { lostOptimisticRace, transactOnce, TransactionCancelledError, type TransactItems } from '../../platform/dynamodb-transact';
import { RETRY_POLICIES, TRY_AGAIN, untilDone } from '../../platform/retry';
import { newEventId, outboxItem, EVENT_SCHEMA_VERSION, type RatingEvent, type RatingEventType } from '../../platform/events/types';
import type { RatingItem, SummaryItem } from './model';
import { emptySummary } from './model';

/**
 * The only code that touches the ratings table. Every write is one TransactWriteItems: the
 * rating, the movie's summary (ADD, never read-modify-write) and the domain event, so a summary
 * can never disagree with its ratings and no event is written for a change that did not happen.
 */
export interface RatingsStoreOptions {
  doc: DynamoDBDocumentClient;
  table: string;
  eventsTable: string;
  /** Days an event item is kept after it is processed (TTL). */
  eventRetentionDays?: number;
}

export const keys = {
  rating: (movieId: string, userId: string) => ({ pk: `MOVIE#${movieId}`, sk: `RATING#${userId}` }),
  summary: (movieId: string) => ({ pk: `MOVIE#${movieId}`, sk: 'SUMMARY' }),
  userStats: (userId: string) => ({ pk: `USER#${userId}`, sk: 'STATS' }),
};

export type { ItemKey, StoredItem };

/** Every try lost its race with other writes to the same rating (CONFLICT for the caller). */
export class ConflictError extends Error {
  override name = 'ConflictError';
}
const tooManyChanges = () => new ConflictError('Too many concurrent changes to this rating; try again.');

export class RatingsStore {
  constructor(private readonly opts: RatingsStoreOptions) {}

  /** Any items of the table by key, batched (see platform/dynamodb-batch.ts). */
  batchGet(itemKeys: readonly ItemKey[], consistent = false): Promise<(StoredItem | null)[]> {
    return batchGetItems(this.opts.doc, this.opts.table, itemKeys, consistent);
  }

  async getRating(movieId: string, userId: string): Promise<RatingItem | null> {
    const out = await this.opts.doc.send(new GetCommand({ TableName: this.opts.table, Key: keys.rating(movieId, userId), ConsistentRead: true }));
    return out.Item ? toRating(out.Item) : null;
  }

  /**
   * Creates or updates a user's rating. Optimistic concurrency: the transaction is conditioned
   * on the version read, so a racing write makes it fail and we re-read and try again. A retry of
   * a request that already succeeded finds an identical rating and writes nothing.
   */
  async rate(userId: string, movieId: string, scoreHalves: number, review: string | undefined): Promise<{ rating: RatingItem; changed: boolean }> {
    return untilDone(
      RETRY_POLICIES.dynamoTransaction,
      async () => {
        const existing = await this.getRating(movieId, userId);
        if (existing && existing.scoreHalves === scoreHalves && (existing.review ?? undefined) === review) {
          return { rating: existing, changed: false };
        }
        const now = new Date().toISOString();
        const rating: RatingItem = {
          movieId,
          userId,
          scoreHalves,
          review,
          createdAt: existing?.createdAt ?? now,
          updatedAt: now,
          version: (existing?.version ?? 0) + 1,
        };
        const type: RatingEventType = existing ? 'RatingUpdated' : 'RatingCreated';
        const items: TransactItems = [
          {
            Put: {
              TableName: this.opts.table,
              Item: ratingToItem(rating),
              ...(existing
                ? { ConditionExpression: '#v = :v', ExpressionAttributeNames: { '#v': 'version' }, ExpressionAttributeValues: { ':v': existing.version } }
                : { ConditionExpression: 'attribute_not_exists(pk)' }),
            },
          },
        ];
        const summary = summaryUpdate(existing ?? null, rating);
        if (summary) items.push({ Update: { TableName: this.opts.table, Key: keys.summary(movieId), ...summary } });
        if (!existing) items.push(this.userStatsAdd(userId, 1));
        items.push(this.eventPut(type, rating, now));
        return (await this.tryTransact(items)) ? { rating, changed: true } : TRY_AGAIN;
      },
      tooManyChanges,
    );
  }

  /** Deletes a user's rating; false when there was none. */
  async delete(userId: string, movieId: string): Promise<boolean> {
    return untilDone(
      RETRY_POLICIES.dynamoTransaction,
      async () => {
        const existing = await this.getRating(movieId, userId);
        if (!existing) return false;
        const now = new Date().toISOString();
        const items: TransactItems = [
          {
            Delete: {
              TableName: this.opts.table,
              Key: keys.rating(movieId, userId),
              ConditionExpression: '#v = :v',
              ExpressionAttributeNames: { '#v': 'version' },
              ExpressionAttributeValues: { ':v': existing.version },
            },
          },
          { Update: { TableName: this.opts.table, Key: keys.summary(movieId), ...summaryUpdate(existing, null)! } },
          this.userStatsAdd(userId, -1),
          this.eventPut('RatingDeleted', existing, now),
        ];
        return (await this.tryTransact(items)) ? true : TRY_AGAIN;
      },
      tooManyChanges,
    );
  }

  /**
   * True when committed; false when another write got there first (the version condition failed,
   * or a conflict cancelled it): re-read and try again, under RETRY_POLICIES.dynamoTransaction.
   * Any other cancellation reason fails the request.
   */
  private async tryTransact(items: TransactItems): Promise<boolean> {
    const out = await transactOnce(this.opts.doc, items);
    if (out === 'committed') return true;
    if (!lostOptimisticRace(out)) throw new TransactionCancelledError('rating', out);
    return false;
  }

  private userStatsAdd(userId: string, delta: number) {
    return {
      Update: {
        TableName: this.opts.table,
        Key: keys.userStats(userId),
        UpdateExpression: 'ADD ratingCount :d',
        ExpressionAttributeValues: { ':d': delta },
      },
    };
  }

  /**
   * One page of a query on an index, newest/oldest/highest/lowest first as the index sorts.
   * Asks for one item more than the page to know whether another page follows.
   */
  async page(q: {
    index: 'reviews' | 'reviewsByScore' | 'byUser';
    partition: string;
    forward: boolean;
    first: number;
    after?: Record<string, string>;
  }): Promise<{ items: RatingItem[]; hasNext: boolean }> {
    const out = await this.opts.doc.send(
      new QueryCommand({
        TableName: this.opts.table,
        IndexName: q.index,
        KeyConditionExpression: '#p = :p',
        ExpressionAttributeNames: { '#p': `${q.index}pk` },
        ExpressionAttributeValues: { ':p': q.partition },
        ScanIndexForward: q.forward,
        Limit: q.first + 1,
        ExclusiveStartKey: q.after,
      }),
    );
    const rows = out.Items ?? [];
    return { items: rows.slice(0, q.first).map(toRating), hasNext: rows.length > q.first };
  }

  private eventPut(type: RatingEventType, rating: RatingItem, now: string) {
    const eventId = newEventId(new Date(now));
    const event: RatingEvent = {
      schemaVersion: EVENT_SCHEMA_VERSION,
      eventId,
      eventType: type,
      movieId: rating.movieId,
      userId: rating.userId,
      score: rating.scoreHalves / 2,
      hasReview: Boolean(rating.review),
      occurredAt: now,
    };
    return {
      Put: {
        TableName: this.opts.eventsTable,
        Item: outboxItem(event),
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }
}

/**
 * The summary's ADD deltas for a change from one rating to another (null = no rating), or null
 * when nothing the summary counts changed.
 */
function summaryUpdate(before: Pick<RatingItem, 'scoreHalves' | 'review'> | null, after: Pick<RatingItem, 'scoreHalves' | 'review'> | null) {
  const from = before?.scoreHalves ?? null;
  const to = after?.scoreHalves ?? null;
  const deltas = new Map<string, number>();
  const add = (attr: string, d: number) => deltas.set(attr, (deltas.get(attr) ?? 0) + d);
  add('count', (to === null ? 0 : 1) - (from === null ? 0 : 1));
  add('sumHalves', (to ?? 0) - (from ?? 0));
  add('reviewCount', (after?.review ? 1 : 0) - (before?.review ? 1 : 0));
  if (from !== null) add(`h${from}`, -1);
  if (to !== null) add(`h${to}`, 1);
  const changes = [...deltas].filter(([, d]) => d !== 0);
  if (changes.length === 0) return null;
  return {
    UpdateExpression: `ADD ${changes.map((_, i) => `#a${i} :d${i}`).join(', ')}`,
    ExpressionAttributeNames: Object.fromEntries(changes.map(([attr], i) => [`#a${i}`, attr])),
    ExpressionAttributeValues: Object.fromEntries(changes.map(([, d], i) => [`:d${i}`, d])),
  };
}

export function ratingToItem(r: RatingItem): StoredItem {
  return {
    ...keys.rating(r.movieId, r.userId),
    ...r,
    byUserpk: `USER#${r.userId}`,
    byUsersk: `${r.updatedAt}#${r.movieId}`,
    // Sparse indexes: only ratings with a review are listed as reviews.
    ...(r.review
      ? {
          reviewspk: `MOVIE#${r.movieId}`,
          reviewssk: `${r.createdAt}#${r.userId}`,
          reviewsByScorepk: `MOVIE#${r.movieId}`,
          reviewsByScoresk: `${String(r.scoreHalves).padStart(2, '0')}#${r.createdAt}#${r.userId}`,
        }
      : {}),
  };
}

/** The index key of a rating within the list a cursor scope names, to resume after it. */
export function edgeKey(scope: string, r: RatingItem): Record<string, string> {
  const item = ratingToItem(r);
  const index = scope.startsWith('ratings:') ? 'byUser' : /:(HIGHEST|LOWEST)$/.test(scope) ? 'reviewsByScore' : 'reviews';
  return { pk: String(item.pk), sk: String(item.sk), [`${index}pk`]: String(item[`${index}pk`]), [`${index}sk`]: String(item[`${index}sk`]) };
}

export function toRating(item: StoredItem): RatingItem {
  return {
    movieId: String(item.movieId),
    userId: String(item.userId),
    scoreHalves: Number(item.scoreHalves),
    review: typeof item.review === 'string' ? item.review : undefined,
    createdAt: String(item.createdAt),
    updatedAt: String(item.updatedAt),
    version: Number(item.version),
  };
}

export function toSummary(movieId: string, item: StoredItem | null): SummaryItem {
  const s = emptySummary(movieId);
  if (!item) return s;
  s.count = Number(item.count ?? 0);
  s.sumHalves = Number(item.sumHalves ?? 0);
  s.reviewCount = Number(item.reviewCount ?? 0);
  s.histogram = s.histogram.map((_, i) => Number(item[`h${i + 1}`] ?? 0));
  return s;
}
