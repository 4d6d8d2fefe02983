import { PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchGetItems, type ItemKey, type StoredItem } from '../../platform/dynamodb-batch';
import { onlyConflicts, transactOnce, TransactionCancelledError, type Cancelled, type TransactItems } from '../../platform/dynamodb-transact';
import { RETRY_POLICIES, TRY_AGAIN, untilDone } from '../../platform/retry';
import { EVENT_SCHEMA_VERSION, newEventId, outboxItem, type FollowEvent, type FollowEventType } from '../../platform/events/types';
import { FeedDelivery } from './feed-delivery';
import { keys, type NotificationItem, type Preferences } from './items';

export type { ItemKey, StoredItem };
export { ALL_KINDS, keys, toNotification, toPreferences, type NotificationItem, type NotificationKind, type Preferences } from './items';

/**
 * The only code that touches the notifications table. A follow and the film's follower count
 * change in one transaction, conditioned on the follow's existence, so following twice or
 * unfollowing twice changes nothing and the count stays exact. Feed delivery is FeedDelivery's
 * (feed-delivery.ts); the keys and item shapes are in items.ts.
 */
export class NotificationsStore {
  private readonly feed: FeedDelivery;

  /**
   * `coalesceWindowSeconds`: one feed item per (follower, film) within it; 0 = one per event.
   * `eventsTable`: the outbox, where a follow or unfollow writes its event in the same transaction
   * (the gateway's entity cache learns from it that `followerCount` changed); none without it.
   */
  constructor(private readonly opts: { doc: DynamoDBDocumentClient; table: string; coalesceWindowSeconds?: number; eventsTable?: string }) {
    this.feed = new FeedDelivery({ doc: opts.doc, table: opts.table, windowMs: (opts.coalesceWindowSeconds ?? 3600) * 1000 });
  }

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
      {
        Update: {
          TableName: this.opts.table,
          Key: keys.followers(movieId),
          UpdateExpression: 'ADD #c :one',
          ExpressionAttributeNames: { '#c': 'count' },
          ExpressionAttributeValues: { ':one': 1 },
        },
      },
      ...this.eventPut('MovieFollowed', userId, movieId, now),
    ]);
  }

  /** Returns true when this call removed the follow, false when there was none. */
  async unfollow(userId: string, movieId: string): Promise<boolean> {
    return this.conditional([
      { Delete: { TableName: this.opts.table, Key: keys.follow(movieId, userId), ConditionExpression: 'attribute_exists(pk)' } },
      {
        Update: {
          TableName: this.opts.table,
          Key: keys.followers(movieId),
          UpdateExpression: 'ADD #c :minus',
          ExpressionAttributeNames: { '#c': 'count' },
          ExpressionAttributeValues: { ':minus': -1 },
        },
      },
      ...this.eventPut('MovieUnfollowed', userId, movieId, new Date().toISOString()),
    ]);
  }

  /** The outbox item of a follow change (none without an events table), committed with it or not at all. */
  private eventPut(eventType: FollowEventType, userId: string, movieId: string, now: string): TransactItems {
    if (!this.opts.eventsTable) return [];
    const event: FollowEvent = { schemaVersion: EVENT_SCHEMA_VERSION, eventId: newEventId(new Date(now)), eventType, movieId, userId, occurredAt: now };
    return [{ Put: { TableName: this.opts.eventsTable, Item: outboxItem(event), ConditionExpression: 'attribute_not_exists(pk)' } }];
  }

  /** One page of a film's followers, resumable from the last key. */
  async followersPage(
    movieId: string,
    after: Record<string, string> | undefined,
    limit = 100,
  ): Promise<{ userIds: string[]; lastKey?: Record<string, string> }> {
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
   * Delivers an event to a follower: a new feed item keyed by the event id, counted unread, or,
   * when the follower already has an item about the film from within the coalescing window, that
   * item updated in place with the newer event (latest kind, actor and score; unread again). A
   * `LATEST#<movieId>` item points at the item and records the newest event applied: an event
   * not newer than it (a repeat, or an older one arriving late) changes nothing, so delivering
   * twice is harmless. Returns true when the feed changed.
   */
  deliver(n: NotificationItem): Promise<boolean> {
    return this.feed.deliver(n);
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
      {
        Update: {
          TableName: this.opts.table,
          Key: keys.unread(userId),
          UpdateExpression: 'ADD #c :minus',
          ExpressionAttributeNames: { '#c': 'count' },
          ExpressionAttributeValues: { ':minus': -1 },
        },
      },
    ]);
  }

  /** The ids of a user's unread notifications, oldest first, up to `limit`. */
  async unreadIds(userId: string, limit: number): Promise<string[]> {
    const out = await this.opts.doc.send(
      new QueryCommand({
        TableName: this.opts.table,
        IndexName: 'unread',
        KeyConditionExpression: 'unreadpk = :p',
        ExpressionAttributeValues: { ':p': `USER#${userId}` },
        Limit: limit,
      }),
    );
    return (out.Items ?? []).map((i) => String(i.eventId));
  }

  /** A page of a user's feed (newest first) or of their unread items, or of their followed films. */
  async page(q: {
    kind: 'feed' | 'unread' | 'follows';
    userId: string;
    first: number;
    after?: Record<string, string>;
  }): Promise<{ items: StoredItem[]; hasNext: boolean }> {
    const input =
      q.kind === 'feed'
        ? { KeyConditionExpression: 'pk = :p AND begins_with(sk, :n)', ExpressionAttributeValues: { ':p': `USER#${q.userId}`, ':n': 'NOTIF#' } }
        : q.kind === 'unread'
          ? { IndexName: 'unread', KeyConditionExpression: 'unreadpk = :p', ExpressionAttributeValues: { ':p': `USER#${q.userId}` } }
          : {
              IndexName: 'byUser',
              KeyConditionExpression: 'byUserpk = :p AND begins_with(byUsersk, :f)',
              ExpressionAttributeValues: { ':p': `USER#${q.userId}`, ':f': 'FOLLOW#' },
            };
    const out = await this.opts.doc.send(
      new QueryCommand({ TableName: this.opts.table, ...input, ScanIndexForward: false, Limit: q.first + 1, ExclusiveStartKey: q.after }),
    );
    const rows = out.Items ?? [];
    return { items: rows.slice(0, q.first), hasNext: rows.length > q.first };
  }

  async savePreferences(userId: string, prefs: Preferences): Promise<void> {
    await this.opts.doc.send(new PutCommand({ TableName: this.opts.table, Item: { ...keys.prefs(userId), ...prefs, updatedAt: new Date().toISOString() } }));
  }

  /**
   * A transaction whose first item carries the condition: true when committed, false when that
   * condition failed (nothing to do); a conflict is retried under RETRY_POLICIES.dynamoTransaction.
   */
  private async conditional(items: TransactItems): Promise<boolean> {
    let last: Cancelled | undefined;
    return untilDone(
      RETRY_POLICIES.dynamoTransaction,
      async () => {
        const out = await transactOnce(this.opts.doc, items);
        if (out === 'committed') return true;
        if (out.reasons[0] === 'ConditionalCheckFailed') return false;
        if (!onlyConflicts(out)) throw new TransactionCancelledError('follow', out);
        last = out;
        return TRY_AGAIN;
      },
      () => new TransactionCancelledError('follow', last!),
    );
  }
}
