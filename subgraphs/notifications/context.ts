import { createItemsLoader, type ItemsContext } from '../../platform/items-loader';
import type { RequestScope } from '../../platform/kit';
import type { LiveBusPublisher } from '../../platform/live-bus';
import type { TmdbClient } from '../../platform/tmdb/client';
import type { NotificationsStore } from './store';

/** What the notifications subgraph builds once per process and hands to every request. */
export interface NotificationsDeps {
  store: NotificationsStore;
  tmdb: TmdbClient;
  /** Signs pagination cursors. */
  cursorSecret: string;
  /** The live bus (REDIS_URL set), which the relay tells of delivered notifications and film activity. */
  live?: LiveBusPublisher;
}

/** `items` reads the notifications table: follower counts, follows, unread counts, preferences. */
export interface NotificationsContext extends RequestScope, NotificationsDeps, ItemsContext {}

export function createNotificationsContext(request: RequestScope, deps: NotificationsDeps): NotificationsContext {
  return { ...request, ...deps, ...createItemsLoader((keys, consistent) => deps.store.batchGet(keys, consistent)) };
}
