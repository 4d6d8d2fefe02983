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
}

export function createNotificationsContext(base: { caller: Caller; log: Logger; store: NotificationsStore; tmdb: TmdbClient; cursorSecret: string }): NotificationsContext {
  return {
    ...base,
    items: new DataLoader<ItemKey, StoredItem | null, string>((ks) => base.store.batchGet(ks), {
      cacheKeyFn: (k) => `${k.pk}|${k.sk}`,
      maxBatchSize: 100,
    }),
  };
}
