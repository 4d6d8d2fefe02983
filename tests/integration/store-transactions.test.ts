import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { TransactionCancelledError } from '../../platform/dynamodb-transact';
import { RatingsStore, keys as ratingKeys } from '../../subgraphs/ratings/store';
import { NotificationsStore, keys } from '../../subgraphs/notifications/store';
import { countingDynamoDb, freshTables } from '../support/env';

/**
 * Which transaction cancellations the stores retry (docs/resilience.md), against DynamoDB Local:
 * a failed condition that is the answer costs one call, and a cancellation that is no lost race
 * (a ValidationError) fails at once with its reasons instead of being retried.
 */
let ddb: ReturnType<typeof countingDynamoDb>;
let tables: Awaited<ReturnType<typeof freshTables>>;
let ratings: RatingsStore;
let notifications: NotificationsStore;

beforeAll(async () => {
  tables = await freshTables();
  ddb = countingDynamoDb();
  ratings = new RatingsStore({ doc: ddb.doc, table: tables.RATINGS_TABLE, eventsTable: tables.EVENTS_TABLE });
  notifications = new NotificationsStore({ doc: ddb.doc, table: tables.NOTIFICATIONS_TABLE });
});
afterAll(() => ddb.doc.destroy());

/** An item whose counter is a string, so that the transaction's ADD on it is a ValidationError. */
const corrupt = (table: string, key: { pk: string; sk: string }) => ddb.doc.send(new PutCommand({ TableName: table, Item: { ...key, count: 'many' } }));

const transactions = () => ddb.calls.TransactWriteItemsCommand ?? 0;

describe('ratings', () => {
  it('fails a rating at once when the cancellation is not a lost race, with the reasons', async () => {
    await corrupt(tables.RATINGS_TABLE, ratingKeys.summary('901'));
    ddb.reset();
    const err = (await ratings.rate('t-user', '901', 8, undefined).catch((e: unknown) => e)) as TransactionCancelledError;
    expect(err).toBeInstanceOf(TransactionCancelledError);
    expect(err.reasons).toContain('ValidationError');
    expect(err.reasons).not.toContain('TransactionConflict');
    expect(err.message).toMatch(/^rating transaction cancelled: /);
    expect(transactions()).toBe(1);
  });

  it('writes once when nothing races, and not at all when the rating is already as asked', async () => {
    ddb.reset();
    expect((await ratings.rate('t-user', '902', 8, undefined)).changed).toBe(true);
    expect((await ratings.rate('t-user', '902', 8, undefined)).changed).toBe(false);
    expect(transactions()).toBe(1);
  });
});

describe('follows', () => {
  it('answers a failed condition (already following) with one call and no retry', async () => {
    expect(await notifications.follow('t-user', '903')).toBe(true);
    ddb.reset();
    expect(await notifications.follow('t-user', '903')).toBe(false);
    expect(await notifications.unfollow('t-user', '904')).toBe(false);
    expect(transactions()).toBe(2);
  });

  it('fails at once on a cancellation that is not a lost race', async () => {
    await corrupt(tables.NOTIFICATIONS_TABLE, keys.followers('905'));
    ddb.reset();
    const err = (await notifications.follow('t-user', '905').catch((e: unknown) => e)) as TransactionCancelledError;
    expect(err).toBeInstanceOf(TransactionCancelledError);
    expect(err.reasons).toEqual(['None', 'ValidationError']);
    expect(transactions()).toBe(1);
  });
});

describe('feed delivery', () => {
  const item = (eventId: string) => ({
    userId: 't-follower',
    eventId,
    kind: 'NEW_RATING' as const,
    movieId: '906',
    actorId: 't-user',
    score: 4,
    createdAt: new Date().toISOString(),
  });

  it('delivers once, and a repeat of the same event is the answer "already there"', async () => {
    const store = new NotificationsStore({ doc: ddb.doc, table: tables.NOTIFICATIONS_TABLE, coalesceWindowSeconds: 0 });
    ddb.reset();
    expect(await store.deliver(item('2030-01-01T00:00:00.000Z~0000000000000001'))).toBe(true);
    expect(await store.deliver(item('2030-01-01T00:00:00.000Z~0000000000000001'))).toBe(false);
    expect(transactions()).toBe(2);
  });

  it('fails at once when the unread counter cannot be added to', async () => {
    await corrupt(tables.NOTIFICATIONS_TABLE, keys.unread('t-broken'));
    const store = new NotificationsStore({ doc: ddb.doc, table: tables.NOTIFICATIONS_TABLE, coalesceWindowSeconds: 0 });
    ddb.reset();
    const err = (await store.deliver({ ...item('2030-01-01T00:00:00.000Z~0000000000000002'), userId: 't-broken' }).catch((e: unknown) => e)) as TransactionCancelledError;
    expect(err).toBeInstanceOf(TransactionCancelledError);
    expect(err.reasons).toEqual(['None', 'ValidationError']);
    expect(transactions()).toBe(1);
  });
});
