import type { TableSpec } from '../dynamodb-tables';

/**
 * The domain-event outbox. Ratings writes an event item in the same transaction as the rating;
 * the notifications relay claims, processes and marks it. Pending events are listed through the
 * sparse `pending` index, whose key attributes are removed once an event is done.
 */
export const eventsTable: TableSpec = {
  defaultName: 'marquee-events',
  indexes: ['pending'],
  ttlAttribute: 'expiresAt',
};
