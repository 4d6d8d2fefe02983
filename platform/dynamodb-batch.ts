import { BatchGetCommand, BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { RETRY_POLICIES, TRY_AGAIN, untilDone } from './retry';

export type ItemKey = { pk: string; sk: string };
export type StoredItem = Record<string, unknown>;

/** Some keys were still unprocessed when RETRY_POLICIES.dynamoBatchRead ran out (sustained throttling). */
export class UnprocessedKeysError extends Error {
  override name = 'UnprocessedKeysError';
}

/**
 * BatchGetItem for any number of keys of one table: at most 100 keys per call, duplicates
 * removed, unprocessed keys asked for again under RETRY_POLICIES.dynamoBatchRead (platform/retry.ts).
 * Results come back in the order of `itemKeys`, null where there is no item. `consistent` reads
 * after a write in the same request, so a mutation's payload shows its own write (at twice the
 * read capacity).
 */
export async function batchGetItems(
  doc: DynamoDBDocumentClient,
  table: string,
  itemKeys: readonly ItemKey[],
  consistent = false,
): Promise<(StoredItem | null)[]> {
  const id = (k: { pk: unknown; sk: unknown }) => `${String(k.pk)}|${String(k.sk)}`;
  const found = new Map<string, StoredItem>();
  const spec = RETRY_POLICIES.dynamoBatchRead;
  for (let i = 0; i < itemKeys.length; i += 100) {
    let pending: ItemKey[] = [...new Map(itemKeys.slice(i, i + 100).map((k) => [id(k), k])).values()];
    await untilDone(
      spec,
      async () => {
        const out = await doc.send(new BatchGetCommand({ RequestItems: { [table]: { Keys: pending, ...(consistent ? { ConsistentRead: true } : {}) } } }));
        for (const item of out.Responses?.[table] ?? []) found.set(id(item as ItemKey), item);
        pending = (out.UnprocessedKeys?.[table]?.Keys as ItemKey[] | undefined) ?? [];
        return pending.length ? TRY_AGAIN : undefined;
      },
      () => new UnprocessedKeysError(`BatchGetItem: keys still unprocessed after ${spec.retries} retries`),
    );
  }
  return itemKeys.map((k) => found.get(id(k)) ?? null);
}

type WriteRequest = { PutRequest: { Item: StoredItem } } | { DeleteRequest: { Key: ItemKey } };

/**
 * BatchWriteItem for any number of puts and deletes of one table: 25 per call, unprocessed items
 * sent again under RETRY_POLICIES.dynamoBatchWrite. Not atomic: callers write what no reader
 * sees yet (a feed version before its pointer swap) or what no reader sees any more.
 * `afterChunk` runs after each call (tests stop a processor there).
 */
export async function batchWriteItems(
  doc: DynamoDBDocumentClient,
  table: string,
  requests: readonly WriteRequest[],
  afterChunk?: (written: number) => void | Promise<void>,
): Promise<void> {
  const spec = RETRY_POLICIES.dynamoBatchWrite;
  for (let i = 0; i < requests.length; i += 25) {
    let pending = requests.slice(i, i + 25);
    await untilDone(
      spec,
      async () => {
        const out = await doc.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
        pending = (out.UnprocessedItems?.[table] as WriteRequest[] | undefined) ?? [];
        return pending.length ? TRY_AGAIN : undefined;
      },
      () => new UnprocessedKeysError(`BatchWriteItem: items still unprocessed after ${spec.retries} retries`),
    );
    await afterChunk?.(Math.min(i + 25, requests.length));
  }
}
