import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * The only code that touches the notifications table. A follow and the film's follower count
 * change in one transaction, conditioned on the follow's existence, so following twice or
 * unfollowing twice changes nothing and the count stays exact.
 */
export const keys = {
  follow: (movieId: string, userId: string) => ({ pk: `MOVIE#${movieId}`, sk: `FOLLOWER#${userId}` }),
  followers: (movieId: string) => ({ pk: `MOVIE#${movieId}`, sk: 'FOLLOWERS' }),
};

export type ItemKey = { pk: string; sk: string };
export type StoredItem = Record<string, unknown>;

export class NotificationsStore {
  constructor(private readonly opts: { doc: DynamoDBDocumentClient; table: string }) {}

  async batchGet(itemKeys: readonly ItemKey[]): Promise<(StoredItem | null)[]> {
    const found = new Map<string, StoredItem>();
    for (let i = 0; i < itemKeys.length; i += 100) {
      let pending: ItemKey[] | undefined = uniq(itemKeys.slice(i, i + 100));
      for (let attempt = 0; pending && pending.length; attempt++) {
        if (attempt > 10) throw new Error('BatchGetItem: keys still unprocessed after 10 retries');
        if (attempt > 0) await sleep(Math.random() * Math.min(1000, 25 * 2 ** attempt));
        const out = await this.opts.doc.send(new BatchGetCommand({ RequestItems: { [this.opts.table]: { Keys: pending } } }));
        for (const item of out.Responses?.[this.opts.table] ?? []) found.set(`${item.pk}|${item.sk}`, item);
        pending = out.UnprocessedKeys?.[this.opts.table]?.Keys as ItemKey[] | undefined;
      }
    }
    return itemKeys.map((k) => found.get(`${k.pk}|${k.sk}`) ?? null);
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

function uniq(ks: ItemKey[]): ItemKey[] {
  return [...new Map(ks.map((k) => [`${k.pk}|${k.sk}`, k])).values()];
}

function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}
