import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchGetItems, type ItemKey, type StoredItem } from '../../platform/dynamodb-batch';

/**
 * The only code that touches the notifications table. A follow and the film's follower count
 * change in one transaction, conditioned on the follow's existence, so following twice or
 * unfollowing twice changes nothing and the count stays exact.
 */
export const keys = {
  follow: (movieId: string, userId: string) => ({ pk: `MOVIE#${movieId}`, sk: `FOLLOWER#${userId}` }),
  followers: (movieId: string) => ({ pk: `MOVIE#${movieId}`, sk: 'FOLLOWERS' }),
  notification: (userId: string, eventId: string) => ({ pk: `USER#${userId}`, sk: `NOTIF#${eventId}` }),
  unread: (userId: string) => ({ pk: `USER#${userId}`, sk: 'UNREAD' }),
  prefs: (userId: string) => ({ pk: `USER#${userId}`, sk: 'PREFS' }),
};

export type NotificationKind = 'NEW_RATING' | 'NEW_REVIEW';

export interface NotificationItem {
  userId: string;
  eventId: string;
  kind: NotificationKind;
  movieId: string;
  actorId: string;
  score: number;
  createdAt: string;
  readAt?: string;
}

export interface Preferences {
  kinds: NotificationKind[];
  mutedMovieIds: string[];
}

export const ALL_KINDS: NotificationKind[] = ['NEW_RATING', 'NEW_REVIEW'];
const FEED_TTL_DAYS = 90;

export function toPreferences(item: StoredItem | null): Preferences {
  return {
    kinds: Array.isArray(item?.kinds) ? (item!.kinds as NotificationKind[]) : ALL_KINDS,
    mutedMovieIds: Array.isArray(item?.mutedMovieIds) ? (item!.mutedMovieIds as string[]) : [],
  };
}

export function toNotification(item: StoredItem): NotificationItem {
  return {
    userId: String(item.userId),
    eventId: String(item.eventId),
    kind: item.kind as NotificationKind,
    movieId: String(item.movieId),
    actorId: String(item.actorId),
    score: Number(item.score),
    createdAt: String(item.createdAt),
    readAt: typeof item.readAt === 'string' ? item.readAt : undefined,
  };
}

export type { ItemKey, StoredItem };

export class NotificationsStore {
  constructor(private readonly opts: { doc: DynamoDBDocumentClient; table: string }) {}

  /** Any items of the table by key, batched (see platform/dynamodb-batch.ts). */
  batchGet(itemKeys: readonly ItemKey[], consistent = false): Promise<(StoredItem | null)[]> {
    return batchGetItems(this.opts.doc, this.opts.table, itemKeys, consistent);
  }

  /** Returns true when this call created the follow, false when it already existed. */
  async follow(userId: string, movieId: string): Promise<boolean> {
    const now = new Date().toISOString();
    return this.conditional([
      {
        Put: {
          TableName: this.opts.table,
          Item: { ...keys.follow(movieId, userId), movieId, userId, followedAt: now, byUserpk: `USER#${userId}`, byUsersk: `FOLLOW#${now}#${movieId}` },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      { Update: { TableName: this.opts.table, Key: keys.followers(movieId), UpdateExpression: 'ADD #c :one', ExpressionAttributeNames: { '#c': 'count' }, ExpressionAttributeValues: { ':one': 1 } } },
    ]);
  }

  /** Returns true when this call removed the follow, false when there was none. */
  async unfollow(userId: string, movieId: string): Promise<boolean> {
    return this.conditional([
      { Delete: { TableName: this.opts.table, Key: keys.follow(movieId, userId), ConditionExpression: 'attribute_exists(pk)' } },
      { Update: { TableName: this.opts.table, Key: keys.followers(movieId), UpdateExpression: 'ADD #c :minus', ExpressionAttributeNames: { '#c': 'count' }, ExpressionAttributeValues: { ':minus': -1 } } },
    ]);
  }

  /** One page of a film's followers, resumable from the last key. */
  async followersPage(movieId: string, after: Record<string, string> | undefined, limit = 100): Promise<{ userIds: string[]; lastKey?: Record<string, string> }> {
    const out = await this.opts.doc.send(
      new QueryCommand({
        TableName: this.opts.table,
        KeyConditionExpression: 'pk = :p AND begins_with(sk, :f)',
        ExpressionAttributeValues: { ':p': `MOVIE#${movieId}`, ':f': 'FOLLOWER#' },
        ExclusiveStartKey: after,
        Limit: limit,
      }),
    );
    return {
      userIds: (out.Items ?? []).map((i) => String(i.userId)),
      lastKey: out.LastEvaluatedKey as Record<string, string> | undefined,
    };
  }

  /**
   * Writes a feed item keyed by the event id, and counts it unread, in one transaction that
   * fails when the item exists: delivering an event twice changes nothing.
   */
  async deliver(n: NotificationItem): Promise<boolean> {
    return this.conditional([
      {
        Put: {
          TableName: this.opts.table,
          Item: {
            ...keys.notification(n.userId, n.eventId),
            ...n,
            unreadpk: `USER#${n.userId}`,
            unreadsk: n.eventId,
            expiresAt: Math.floor(Date.parse(n.createdAt) / 1000) + FEED_TTL_DAYS * 24 * 3600,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      { Update: { TableName: this.opts.table, Key: keys.unread(n.userId), UpdateExpression: 'ADD #c :one', ExpressionAttributeNames: { '#c': 'count' }, ExpressionAttributeValues: { ':one': 1 } } },
    ]);
  }

  /** Marks one notification read; false when it was already read or does not exist. */
  async markRead(userId: string, eventId: string, at: string): Promise<boolean> {
    return this.conditional([
      {
        Update: {
          TableName: this.opts.table,
          Key: keys.notification(userId, eventId),
          UpdateExpression: 'SET readAt = :at REMOVE unreadpk, unreadsk',
          ConditionExpression: 'attribute_exists(unreadpk)',
          ExpressionAttributeValues: { ':at': at },
        },
      },
      { Update: { TableName: this.opts.table, Key: keys.unread(userId), UpdateExpression: 'ADD #c :minus', ExpressionAttributeNames: { '#c': 'count' }, ExpressionAttributeValues: { ':minus': -1 } } },
    ]);
  }

  /** The ids of a user's unread notifications, oldest first, up to `limit`. */
  async unreadIds(userId: string, limit: number): Promise<string[]> {
    const out = await this.opts.doc.send(
      new QueryCommand({ TableName: this.opts.table, IndexName: 'unread', KeyConditionExpression: 'unreadpk = :p', ExpressionAttributeValues: { ':p': `USER#${userId}` }, Limit: limit }),
    );
    return (out.Items ?? []).map((i) => String(i.eventId));
  }

  /** A page of a user's feed (newest first) or of their unread items, or of their followed films. */
  async page(q: { kind: 'feed' | 'unread' | 'follows'; userId: string; first: number; after?: Record<string, string> }): Promise<{ items: StoredItem[]; hasNext: boolean }> {
    const input =
      q.kind === 'feed'
        ? { KeyConditionExpression: 'pk = :p AND begins_with(sk, :n)', ExpressionAttributeValues: { ':p': `USER#${q.userId}`, ':n': 'NOTIF#' } }
        : q.kind === 'unread'
          ? { IndexName: 'unread', KeyConditionExpression: 'unreadpk = :p', ExpressionAttributeValues: { ':p': `USER#${q.userId}` } }
          : { IndexName: 'byUser', KeyConditionExpression: 'byUserpk = :p AND begins_with(byUsersk, :f)', ExpressionAttributeValues: { ':p': `USER#${q.userId}`, ':f': 'FOLLOW#' } };
    const out = await this.opts.doc.send(
      new QueryCommand({ TableName: this.opts.table, ...input, ScanIndexForward: false, Limit: q.first + 1, ExclusiveStartKey: q.after }),
    );
    const rows = out.Items ?? [];
    return { items: rows.slice(0, q.first), hasNext: rows.length > q.first };
  }

  async savePreferences(userId: string, prefs: Preferences): Promise<void> {
    await this.opts.doc.send(new PutCommand({ TableName: this.opts.table, Item: { ...keys.prefs(userId), ...prefs, updatedAt: new Date().toISOString() } }));
  }

  private async conditional(items: NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.opts.doc.send(new TransactWriteCommand({ TransactItems: items }));
        return true;
      } catch (err) {
        if (!(err instanceof TransactionCanceledException)) throw err;
        const codes = (err.CancellationReasons ?? []).map((r) => r.Code ?? 'None');
        if (codes[0] === 'ConditionalCheckFailed') return false;
        if (codes.every((c) => c === 'None' || c === 'TransactionConflict') && attempt < 8) {
          await sleep(Math.random() * Math.min(500, 10 * 2 ** attempt));
          continue;
        }
        throw new Error(`follow transaction cancelled: ${codes.join(', ')}`);
      }
    }
  }
}


function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}
