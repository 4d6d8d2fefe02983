import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export type ItemKey = { pk: string; sk: string };
export type StoredItem = Record<string, unknown>;

/**
 * BatchGetItem for any number of keys of one table: at most 100 keys per call, duplicates
 * removed, unprocessed keys retried with jittered exponential backoff. Results come back in the
 * order of `itemKeys`, null where there is no item. `consistent` reads after a write in the same
 * request, so a mutation's payload shows its own write (at twice the read capacity).
 */
export async function batchGetItems(
  doc: DynamoDBDocumentClient,
  table: string,
  itemKeys: readonly ItemKey[],
  consistent = false,
): Promise<(StoredItem | null)[]> {
  const id = (k: { pk: unknown; sk: unknown }) => `${String(k.pk)}|${String(k.sk)}`;
  const found = new Map<string, StoredItem>();
  for (let i = 0; i < itemKeys.length; i += 100) {
    let pending: ItemKey[] | undefined = [...new Map(itemKeys.slice(i, i + 100).map((k) => [id(k), k])).values()];
    for (let attempt = 0; pending && pending.length; attempt++) {
      if (attempt > 10) throw new Error('BatchGetItem: keys still unprocessed after 10 retries');
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.random() * Math.min(1000, 25 * 2 ** attempt)));
      const out = await doc.send(new BatchGetCommand({ RequestItems: { [table]: { Keys: pending, ...(consistent ? { ConsistentRead: true } : {}) } } }));
      for (const item of out.Responses?.[table] ?? []) found.set(id(item as ItemKey), item);
      pending = out.UnprocessedKeys?.[table]?.Keys as ItemKey[] | undefined;
    }
  }
  return itemKeys.map((k) => found.get(id(k)) ?? null);
}
