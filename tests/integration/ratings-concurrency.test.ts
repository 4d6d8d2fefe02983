import { QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { createDynamoDb } from '../../platform/aws';
import { RatingsStore, toSummary, keys } from '../../subgraphs/ratings/store';
import { freshTables, servers } from '../support/env';

/**
 * 50 users × 5 films racing creates, updates and deletes against DynamoDB Local, some requests
 * sent twice as a client retrying after a timeout would. Afterwards every summary must equal a
 * recomputation from the rating items, exactly, and the events must match the changes.
 */
let doc: ReturnType<typeof createDynamoDb>;
let store: RatingsStore;
let tables: Awaited<ReturnType<typeof freshTables>>;

beforeAll(async () => {
  tables = await freshTables();
  doc = createDynamoDb({ region: 'us-east-1', endpoint: servers().dynamodb });
  store = new RatingsStore({ doc, table: tables.RATINGS_TABLE, eventsTable: tables.EVENTS_TABLE });
});
afterAll(() => doc.destroy());

// A deterministic pseudo-random sequence, so a failure can be replayed.
function rng(seed: number) {
  return () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
}

async function scanAll(table: string) {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await doc.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}

it('keeps every summary exactly equal to its ratings under concurrent, retried writes', async () => {
  const random = rng(42);
  const users = Array.from({ length: 50 }, (_, i) => `u${i}`);
  const movies = ['11', '12', '13', '14', '15'];
  const ops: (() => Promise<unknown>)[] = [];
  for (const u of users) {
    for (const m of movies) {
      const steps = 1 + Math.floor(random() * 4);
      for (let s = 0; s < steps; s++) {
        const r = random();
        const halves = 1 + Math.floor(random() * 20);
        const review = random() < 0.4 ? `review ${u} ${m} ${s}` : undefined;
        const op = r < 0.75 ? () => store.rate(u, m, halves, review) : () => store.delete(u, m);
        ops.push(op);
        if (random() < 0.2) ops.push(op); // the same request again, as a retry after a timeout
      }
    }
  }
  // Shuffle so that each user's writes to one film race each other and everyone else's.
  for (let i = ops.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [ops[i], ops[j]] = [ops[j], ops[i]];
  }
  const results = await Promise.allSettled(ops.map((op) => op()));
  const failures = results.filter((r) => r.status === 'rejected');
  expect(failures).toEqual([]);
  expect(ops.length).toBeGreaterThan(500);

  const items = await scanAll(tables.RATINGS_TABLE);
  for (const m of movies) {
    const ratings = items.filter((i) => i.pk === `MOVIE#${m}` && String(i.sk).startsWith('RATING#'));
    const expected = { count: ratings.length, sumHalves: 0, reviewCount: 0, histogram: Array.from({ length: 20 }, () => 0) };
    for (const r of ratings) {
      expected.sumHalves += Number(r.scoreHalves);
      expected.histogram[Number(r.scoreHalves) - 1]++;
      if (r.review) expected.reviewCount++;
    }
    const summary = toSummary(m, items.find((i) => i.pk === keys.summary(m).pk && i.sk === 'SUMMARY') ?? null);
    expect({ movie: m, ...summary }).toEqual({ movie: m, movieId: m, ...expected });
  }
  for (const u of users) {
    const mine = items.filter((i) => i.userId === u && String(i.sk).startsWith('RATING#')).length;
    const stats = items.find((i) => i.pk === `USER#${u}` && i.sk === 'STATS');
    expect({ u, count: Number(stats?.ratingCount ?? 0) }).toEqual({ u, count: mine });
  }

  // Replaying the events per (user, film) ends where the table is: no change without its event.
  const events = (await scanAll(tables.EVENTS_TABLE)).map((e) => e.event as { eventType: string; movieId: string; userId: string; eventId: string });
  const exists = new Map<string, boolean>();
  for (const e of events.sort((a, b) => a.eventId.localeCompare(b.eventId))) exists.set(`${e.userId}|${e.movieId}`, e.eventType !== 'RatingDeleted');
  for (const u of users) {
    for (const m of movies) {
      const present = items.some((i) => i.pk === `MOVIE#${m}` && i.sk === `RATING#${u}`);
      expect({ key: `${u}|${m}`, present: exists.get(`${u}|${m}`) ?? false }).toEqual({ key: `${u}|${m}`, present });
    }
  }
}, 300_000);

it('lists a film’s reviews from the sparse index only', async () => {
  await store.rate('r1', '77', 10, 'with text');
  await store.rate('r2', '77', 10, undefined);
  const out = await doc.send(
    new QueryCommand({
      TableName: tables.RATINGS_TABLE,
      IndexName: 'reviews',
      KeyConditionExpression: 'reviewspk = :p',
      ExpressionAttributeValues: { ':p': 'MOVIE#77' },
    }),
  );
  expect((out.Items ?? []).map((i) => i.userId)).toEqual(['r1']);
});
