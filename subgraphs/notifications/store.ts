import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
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
  /** Which feed item a follower's notifications about a film coalesce into, and until when. */
  latest: (userId: string, movieId: string) => ({ pk: `USER#${userId}`, sk: `LATEST#${movieId}` }),
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
  /** When a later event was coalesced into this item. */
  updatedAt?: string;
}

export interface Preferences {
  kinds: NotificationKind[];
  mutedMovieIds: string[];
}

export const ALL_KINDS: NotificationKind[] = ['NEW_RATING', 'NEW_REVIEW'];
const FEED_TTL_DAYS = 90;

export function toPreferences(item: StoredItem | null): Preferences {
  return {
    kinds: Array.isArray(item?.kinds) ? (item.kinds as NotificationKind[]) : ALL_KINDS,
    mutedMovieIds: Array.isArray(item?.mutedMovieIds) ? (item.mutedMovieIds as string[]) : [],
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
    updatedAt: typeof item.updatedAt === 'string' ? item.updatedAt : undefined,
  };
}

export type { ItemKey, StoredItem };

export class NotificationsStore {
  private readonly windowMs: number;

  /** `coalesceWindowSeconds`: one feed item per (follower, film) within it; 0 = one per event. */
  constructor(private readonly opts: { doc: DynamoDBDocumentClient; table: string; coalesceWindowSeconds?: number }) {
    this.windowMs = (opts.coalesceWindowSeconds ?? 3600) * 1000;
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
    ]);
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
  async deliver(n: NotificationItem): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      const latest = this.windowMs > 0 ? await this.get(keys.latest(n.userId, n.movieId)) : null;
      const open = latest && Math.abs(Date.parse(n.createdAt) - Date.parse(String(latest.createdAt))) < this.windowMs;
      if (open && n.eventId <= String(latest.lastEventId)) return false;
      const target = open ? await this.get(keys.notification(n.userId, String(latest.eventId))) : null;
      const outcome = target ? await this.coalesce(n, latest!, target) : await this.create(n, latest);
      if (outcome !== 'retry') return outcome;
      if (attempt >= 8) throw new Error('feed delivery: too many concurrent changes');
      await sleep(Math.random() * Math.min(500, 10 * 2 ** attempt));
    }
  }

  private async create(n: NotificationItem, latest: StoredItem | null): Promise<boolean | 'retry'> {
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
    if (this.windowMs > 0) items.push(this.latestPut(n, n.eventId, n.createdAt, latest));
    const out = await this.transact(items);
    // The item exists: this very event was delivered before.
    if (out === 'condition:0') return false;
    return out === 'ok' ? true : 'retry';
  }

  private async coalesce(n: NotificationItem, latest: StoredItem, target: StoredItem): Promise<boolean | 'retry'> {
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
    return out === 'ok' ? true : 'retry';
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
          expiresAt: Math.ceil((Date.parse(createdAt) + this.windowMs) / 1000),
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
    try {
      await this.opts.doc.send(new TransactWriteCommand({ TransactItems: items }));
      return 'ok';
    } catch (err) {
      if (!(err instanceof TransactionCanceledException)) throw err;
      const codes = (err.CancellationReasons ?? []).map((r) => r.Code ?? 'None');
      const failed = codes.indexOf('ConditionalCheckFailed');
      if (failed >= 0) return `condition:${failed}`;
      if (codes.every((c) => c === 'None' || c === 'TransactionConflict')) return 'conflict';
      throw new Error(`feed transaction cancelled: ${codes.join(', ')}`, { cause: err });
    }
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

  private async conditional(items: TransactItems): Promise<boolean> {
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
        throw new Error(`follow transaction cancelled: ${codes.join(', ')}`, { cause: err });
      }
    }
  }
}

type TransactItems = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>;

const feedExpiry = (createdAt: string) => Math.floor(Date.parse(createdAt) / 1000) + FEED_TTL_DAYS * 24 * 3600;

function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}
