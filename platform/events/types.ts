import { randomBytes } from 'node:crypto';

/**
 * Domain events written in the same DynamoDB transaction as the change they describe (ratings by
 * the ratings subgraph, follows by the notifications subgraph), and relayed by the notifications
 * subgraph. Their JSON form is a public contract
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

export type FollowEventType = 'MovieFollowed' | 'MovieUnfollowed';

/** A follow or unfollow: it changes the film's `followerCount` (no feed items, no score). */
export interface FollowEvent {
  schemaVersion: typeof EVENT_SCHEMA_VERSION;
  eventId: string;
  eventType: FollowEventType;
  movieId: string;
  userId: string;
  occurredAt: string;
}

export type DomainEvent = RatingEvent | FollowEvent;

export const RATING_EVENT_TYPES: readonly RatingEventType[] = ['RatingCreated', 'RatingUpdated', 'RatingDeleted'];
export const FOLLOW_EVENT_TYPES: readonly FollowEventType[] = ['MovieFollowed', 'MovieUnfollowed'];

export function isRatingEvent(e: DomainEvent): e is RatingEvent {
  return (RATING_EVENT_TYPES as readonly string[]).includes(e.eventType);
}

/** The outbox item of an event (platform/events/table.ts), pending until the relay is done with it. */
export function outboxItem(event: DomainEvent): Record<string, unknown> {
  return { pk: `EVENT#${event.eventId}`, sk: 'EVENT', pendingpk: 'PENDING', pendingsk: event.eventId, status: 'PENDING', event };
}

/** Event ids sort by time (feed items are keyed by them) and are unique without coordination. */
export function newEventId(now = new Date()): string {
  return `${now.toISOString()}~${randomBytes(8).toString('hex')}`;
}
