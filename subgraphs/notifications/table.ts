import type { TableSpec } from '../../platform/dynamodb-tables';

/**
 * Notifications table (see docs/notifications.md):
 * - follow     pk=MOVIE#<movieId> sk=FOLLOWER#<userId>; byUser: USER#<userId> / FOLLOW#<at>#<movieId>
 * - followers  pk=MOVIE#<movieId> sk=FOLLOWERS (count)
 * - feed item  pk=USER#<userId> sk=NOTIF#<eventId> (eventIds sort by time), expiresAt TTL
 */
export const notificationsTable: TableSpec = {
  defaultName: 'marquee-notifications',
  indexes: ['byUser'],
  ttlAttribute: 'expiresAt',
};
