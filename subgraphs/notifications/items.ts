import type { StoredItem } from '../../platform/dynamodb-batch';

/** The notifications table's keys, and its items as the subgraph reads them. */
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

/** When a feed item expires (DynamoDB TTL, epoch seconds). */
export const feedExpiry = (createdAt: string) => Math.floor(Date.parse(createdAt) / 1000) + FEED_TTL_DAYS * 24 * 3600;

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
