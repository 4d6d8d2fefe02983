import DataLoader from 'dataloader';
import type { ItemKey, StoredItem } from './dynamodb-batch';

/** What a subgraph's request context holds to read its table's items. */
export interface ItemsContext {
  /**
   * Any item of the table by key. Every item an operation reads in one tick of the event loop
   * (summaries, viewer ratings, follows of every film in the answer) goes out as one BatchGetItem.
   */
  items: DataLoader<ItemKey, StoredItem | null, string>;
  /**
   * Set by a mutation once it has written: the items it reads from then on (its payload) are
   * read with ConsistentRead, so the payload shows the write rather than the state before it.
   */
  readYourWrites: () => void;
}

/** One per request: the loader caches for the request's lifetime only. */
export function createItemsLoader(batchGet: (keys: readonly ItemKey[], consistent: boolean) => Promise<(StoredItem | null)[]>): ItemsContext {
  let consistent = false;
  return {
    items: new DataLoader<ItemKey, StoredItem | null, string>((keys) => batchGet(keys, consistent), {
      cacheKeyFn: (k) => `${k.pk}|${k.sk}`,
      // BatchGetItem's own limit.
      maxBatchSize: 100,
    }),
    readYourWrites: () => {
      consistent = true;
    },
  };
}
