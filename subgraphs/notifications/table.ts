import type { TableSpec } from '../../platform/dynamodb-tables';

/**
 * Notifications table (see docs/notifications.md):
 * - follow     pk=MOVIE#<movieId> sk=FOLLOWER#<userId>; byUser: USER#<userId> / FOLLOW#<at>#<movieId>
 * - followers  pk=MOVIE#<movieId> sk=FOLLOWERS (count)
 * - feed item  pk=USER#<userId> sk=NOTIF#<eventId> (eventIds sort by time), expiresAt TTL;
 *              unread (sparse, removed when read): USER#<userId> / <eventId>
 * - unread     pk=USER#<userId> sk=UNREAD (count)
 * - prefs      pk=USER#<userId> sk=PREFS (kinds, mutedMovieIds)
 */
export const notificationsTable: TableSpec = {
  defaultName: 'marquee-notifications',
  indexes: ['byUser', 'unread'],
  ttlAttribute: 'expiresAt',
};
