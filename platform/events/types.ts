import { randomBytes } from 'node:crypto';

/**
 * Domain events written by the ratings subgraph in the same DynamoDB transaction as the change
 * they describe, and relayed by the notifications subgraph. Their JSON form is a public contract
 * (docs/events.md): add fields freely, bump SCHEMA_VERSION for anything else.
 */
export const EVENT_SCHEMA_VERSION = 1;

export type RatingEventType = 'RatingCreated' | 'RatingUpdated' | 'RatingDeleted';

export interface RatingEvent {
  schemaVersion: typeof EVENT_SCHEMA_VERSION;
  eventId: string;
  eventType: RatingEventType;
  movieId: string;
  userId: string;
  /** The score after the change; for RatingDeleted, the score that was removed. */
  score: number;
  hasReview: boolean;
  occurredAt: string;
}

/** Event ids sort by time (feed items are keyed by them) and are unique without coordination. */
export function newEventId(now = new Date()): string {
  return `${now.toISOString()}~${randomBytes(8).toString('hex')}`;
}
