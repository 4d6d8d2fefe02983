import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ItemKey, StoredItem } from '../../platform/dynamodb-batch';
import { failedCondition, onlyConflicts, transactOnce, TransactionCancelledError, type TransactItems } from '../../platform/dynamodb-transact';
import { RETRY_POLICIES, TRY_AGAIN, untilDone, type Attempt } from '../../platform/retry';
import { feedExpiry, keys, type NotificationItem } from './items';

/** Every try of a feed delivery lost its race with other writes to the same follower's feed. */
export class FeedConflictError extends Error {
  override name = 'FeedConflictError';
}

/**
 * Writes events into followers' feeds (NotificationsStore.deliver): a new item per event, or,
 * within the coalescing window, the follower's latest item about the film updated in place.
 * Every write is one transaction conditioned on what was read, retried on a lost race under
 * RETRY_POLICIES.dynamoTransaction.
 */
export class FeedDelivery {
  /** `windowMs`: one feed item per (follower, film) within it; 0 = one per event. */
  constructor(private readonly opts: { doc: DynamoDBDocumentClient; table: string; windowMs: number }) {}

  async deliver(n: NotificationItem): Promise<boolean> {
    const windowMs = this.opts.windowMs;
    return untilDone(
      RETRY_POLICIES.dynamoTransaction,
      async () => {
        const latest = windowMs > 0 ? await this.get(keys.latest(n.userId, n.movieId)) : null;
        const open = latest && Math.abs(Date.parse(n.createdAt) - Date.parse(String(latest.createdAt))) < windowMs;
        if (open && n.eventId <= String(latest.lastEventId)) return false;
        const target = open ? await this.get(keys.notification(n.userId, String(latest.eventId))) : null;
        return target ? this.coalesce(n, latest!, target) : this.create(n, latest);
      },
      () => new FeedConflictError('feed delivery: too many concurrent changes'),
    );
  }

  private async create(n: NotificationItem, latest: StoredItem | null): Promise<Attempt<boolean>> {
    const items: TransactItems = [
      {
        Put: {
          TableName: this.opts.table,
          Item: {
            ...keys.notification(n.userId, n.eventId),
            ...n,
            unreadpk: `USER#${n.userId}`,
            unreadsk: n.eventId,
            lastEventId: n.eventId,
            expiresAt: feedExpiry(n.createdAt),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      this.unreadAdd(n.userId, 1),
    ];
    if (this.opts.windowMs > 0) items.push(this.latestPut(n, n.eventId, n.createdAt, latest));
    const out = await this.transact(items);
    // The item exists: this very event was delivered before.
    if (out === 'condition:0') return false;
    return out === 'ok' ? true : TRY_AGAIN;
  }

  private async coalesce(n: NotificationItem, latest: StoredItem, target: StoredItem): Promise<Attempt<boolean>> {
    const wasRead = !target.unreadpk;
    const items: TransactItems = [
      {
        Update: {
          TableName: this.opts.table,
          Key: keys.notification(n.userId, String(latest.eventId)),
          UpdateExpression: 'SET kind = :k, actorId = :a, score = :s, updatedAt = :u, lastEventId = :e, unreadpk = :up, unreadsk = :us REMOVE readAt',
          // The read state we counted from must still hold (markRead may run meanwhile).
          ConditionExpression: wasRead ? 'attribute_exists(pk) AND attribute_not_exists(unreadpk)' : 'attribute_exists(unreadpk)',
          ExpressionAttributeValues: {
            ':k': n.kind,
            ':a': n.actorId,
            ':s': n.score,
            ':u': n.createdAt,
            ':e': n.eventId,
            ':up': `USER#${n.userId}`,
            ':us': String(latest.eventId),
          },
        },
      },
      this.latestPut(n, String(latest.eventId), String(latest.createdAt), latest),
    ];
    if (wasRead) items.push(this.unreadAdd(n.userId, 1));
    const out = await this.transact(items);
    return out === 'ok' ? true : TRY_AGAIN;
  }

  /** The LATEST pointer, conditioned on being unchanged since we read it (null = absent). */
  private latestPut(n: NotificationItem, eventId: string, createdAt: string, before: StoredItem | null) {
    return {
      Put: {
        TableName: this.opts.table,
        Item: {
          ...keys.latest(n.userId, n.movieId),
          eventId,
          createdAt,
          lastEventId: n.eventId,
          expiresAt: Math.ceil((Date.parse(createdAt) + this.opts.windowMs) / 1000),
        },
        ConditionExpression: before ? 'lastEventId = :prev' : 'attribute_not_exists(pk)',
        ...(before ? { ExpressionAttributeValues: { ':prev': before.lastEventId } } : {}),
      },
    };
  }

  private unreadAdd(userId: string, delta: number) {
    return {
      Update: {
        TableName: this.opts.table,
        Key: keys.unread(userId),
        UpdateExpression: 'ADD #c :d',
        ExpressionAttributeNames: { '#c': 'count' },
        ExpressionAttributeValues: { ':d': delta },
      },
    };
  }

  private async get(key: ItemKey): Promise<StoredItem | null> {
    return (await this.opts.doc.send(new GetCommand({ TableName: this.opts.table, Key: key, ConsistentRead: true }))).Item ?? null;
  }

  /** One transaction: ok, the index of the first failed condition, or a conflict to retry. */
  private async transact(items: TransactItems): Promise<'ok' | `condition:${number}` | 'conflict'> {
    const out = await transactOnce(this.opts.doc, items);
    if (out === 'committed') return 'ok';
    const failed = failedCondition(out);
    if (failed >= 0) return `condition:${failed}`;
    if (onlyConflicts(out)) return 'conflict';
    throw new TransactionCancelledError('feed', out);
  }
}
