import { DynamoDBServiceException } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { RatingsStore, keys as ratingKeys } from '../../subgraphs/ratings/store';
import { NotificationsStore, keys } from '../../subgraphs/notifications/store';
import { countingDynamoDb, freshTables } from '../support/env';

/**
 * The stores' retries against DynamoDB Local (docs/resilience.md): a failed condition that is the
 * answer costs one transaction, and a write DynamoDB rejects (a counter that is not a number:
 * ValidationException) fails at once instead of being retried. Which cancellation reasons count
 * as a lost race is unit-tested (tests/unit/retry.test.ts): DynamoDB Local cancels only for
 * conditions and conflicts.
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

/** An item whose counter is a string, so that the transaction's ADD on it is rejected. */
const corrupt = (table: string, key: { pk: string; sk: string }) => ddb.doc.send(new PutCommand({ TableName: table, Item: { ...key, count: 'many' } }));

/** Rejected by DynamoDB as invalid (its ValidationException has no class of its own in the SDK: the name is its code). */
async function expectRejected(write: Promise<unknown>) {
  const err = await write.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DynamoDBServiceException);
  expect((err as DynamoDBServiceException).name).toBe('ValidationException');
}
const transactions = () => ddb.calls.TransactWriteItemsCommand ?? 0;

describe('ratings', () => {
  it('fails a rating at once when DynamoDB rejects the write, without retrying it', async () => {
    await corrupt(tables.RATINGS_TABLE, ratingKeys.summary('901'));
    ddb.reset();
    await expectRejected(ratings.rate('t-user', '901', 8, undefined));
    expect(transactions()).toBe(1);
    expect(ddb.calls.GetItemCommand).toBe(1);
  });

  it('retries lost races: six different scores for one rating at once all commit, one after another', async () => {
    ddb.reset();
    const results = await Promise.all([2, 4, 6, 8, 10, 12].map((halves) => ratings.rate('t-racer', '907', halves, undefined)));
    expect(results.every((r) => r.changed)).toBe(true);
    // Each write read the version before it: a write that lost its race read again and wrote again.
    expect(results.map((r) => r.rating.version).sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(transactions()).toBeGreaterThanOrEqual(6);
    expect(ddb.calls.GetItemCommand).toBe(transactions());
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

  it('fails at once when DynamoDB rejects the write', async () => {
    await corrupt(tables.NOTIFICATIONS_TABLE, keys.followers('905'));
    ddb.reset();
    await expectRejected(notifications.follow('t-user', '905'));
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
    await expectRejected(store.deliver({ ...item('2030-01-01T00:00:00.000Z~0000000000000002'), userId: 't-broken' }));
    expect(transactions()).toBe(1);
  });
});
