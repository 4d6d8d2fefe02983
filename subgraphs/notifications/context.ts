import DataLoader from 'dataloader';
import type { Caller } from '../../platform/identity';
import type { Logger } from '../../platform/logger';
import type { TmdbClient } from '../../platform/tmdb/client';
import type { ItemKey, NotificationsStore, StoredItem } from './store';

export interface NotificationsContext {
  caller: Caller;
  log: Logger;
  store: NotificationsStore;
  tmdb: TmdbClient;
  /** Signs pagination cursors. */
  cursorSecret: string;
  /** Items of the notifications table by key, one BatchGetItem per tick. */
  items: DataLoader<ItemKey, StoredItem | null, string>;
  /**
   * Set by a mutation once it has written: the items it reads from then on (its payload) are
   * read with ConsistentRead, so the payload shows the write rather than the state before it.
   */
  readYourWrites: () => void;
}

export function createNotificationsContext(base: {
  caller: Caller;
  log: Logger;
  store: NotificationsStore;
  tmdb: TmdbClient;
  cursorSecret: string;
}): NotificationsContext {
  let consistent = false;
  return {
    ...base,
    items: new DataLoader<ItemKey, StoredItem | null, string>((ks) => base.store.batchGet(ks, consistent), {
      cacheKeyFn: (k) => `${k.pk}|${k.sk}`,
      maxBatchSize: 100,
    }),
    readYourWrites: () => {
      consistent = true;
    },
  };
}
