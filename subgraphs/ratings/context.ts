import DataLoader from 'dataloader';
import type { Caller } from '../../platform/identity';
import type { Logger } from '../../platform/logger';
import type { TmdbClient } from '../../platform/tmdb/client';
import type { ItemKey, RatingsStore, StoredItem } from './store';
import type { ScoreHistoryStore } from './history';

export interface RatingsContext {
  caller: Caller;
  log: Logger;
  store: RatingsStore;
  /** Daily score snapshots (Movie.scoreHistory). */
  history: ScoreHistoryStore;
  tmdb: TmdbClient;
  /** Signs pagination cursors. */
  cursorSecret: string;
  /**
   * Any item of the ratings table by key. Summaries and viewer ratings of every film in an
   * operation are read together: one BatchGetItem per tick of the event loop.
   */
  items: DataLoader<ItemKey, StoredItem | null, string>;
  /**
   * Set by a mutation once it has written: the items it reads from then on (its payload) are
   * read with ConsistentRead, so the payload shows the write rather than the state before it.
   */
  readYourWrites: () => void;
}

export function createRatingsContext(base: Omit<RatingsContext, 'items' | 'readYourWrites'>): RatingsContext {
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
