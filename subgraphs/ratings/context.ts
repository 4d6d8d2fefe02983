import { createItemsLoader, type ItemsContext } from '../../platform/items-loader';
import type { RequestScope } from '../../platform/kit';
import type { TmdbClient } from '../../platform/tmdb/client';
import type { RatingsStore } from './store';
import type { ScoreHistoryStore } from './history';

/** What the ratings subgraph builds once per process and hands to every request. */
export interface RatingsDeps {
  store: RatingsStore;
  /** Daily score snapshots (Movie.scoreHistory). */
  history: ScoreHistoryStore;
  tmdb: TmdbClient;
  /** Signs pagination cursors. */
  cursorSecret: string;
}

/** `items` reads the ratings table: summaries and viewer ratings of every film in an operation together. */
export interface RatingsContext extends RequestScope, RatingsDeps, ItemsContext {}

export function createRatingsContext(request: RequestScope, deps: RatingsDeps): RatingsContext {
  return { ...request, ...deps, ...createItemsLoader((keys, consistent) => deps.store.batchGet(keys, consistent)) };
}
