import { startTmdbServer, type TmdbServer } from '../../local/tmdb/server';
import { loadRatingsConfig } from '../../subgraphs/ratings/config';
import { startRatingsService } from '../../subgraphs/ratings/service';
import type { RunningServer } from '../../platform/kit';
import { callSubgraph, codes, testSecret } from '../support/graphql';
import { countingDynamoDb, freshTables, servers } from '../support/env';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';

const secret = testSecret();
let tmdb: TmdbServer;
let ratings: RunningServer;
let ddb: ReturnType<typeof countingDynamoDb>;
let tables: Awaited<ReturnType<typeof freshTables>>;

const RATE = `mutation Rate($input: RateMovieInput!) {
  rateMovie(input: $input) { rating { id score review createdAt updatedAt user { id } movie { id } } movie { id ratingSummary { average count histogram { score count } } } }
}`;
const DELETE = `mutation Del($movieId: ID!) { deleteRating(movieId: $movieId) { deleted movie { ratingSummary { average count } } } }`;
const ENTITIES = `query E($reps: [_Any!]!) { _entities(representations: $reps) { ... on Movie { id ratingSummary { average count histogram { score count } } viewerRating { score review } } } }`;

const rate = (userId: string | null, input: Record<string, unknown>) => callSubgraph(ratings.url, secret, RATE, { input }, userId);
const movies = (ids: string[], userId: string | null = null) =>
  callSubgraph(ratings.url, secret, ENTITIES, { reps: ids.map((id) => ({ __typename: 'Movie', id })) }, userId);

beforeAll(async () => {
  tmdb = await startTmdbServer({ port: 0, accessToken: 'tok' });
  tables = await freshTables();
  ddb = countingDynamoDb();
  const cfg = loadRatingsConfig({
    RATINGS_PORT: '0',
    RATINGS_METRICS_PORT: '0',
    TMDB_BASE_URL: tmdb.url,
    TMDB_ACCESS_TOKEN: 'tok',
    DYNAMODB_ENDPOINT: servers().dynamodb,
    LOG_LEVEL: 'silent',
    ...tables,
  });
  ratings = await startRatingsService(cfg, secret, { doc: ddb.doc });
});

afterAll(async () => {
  await ratings?.stop();
  await tmdb?.close();
  // Injected, so ours to close: the kit closes only the clients it made.
  ddb?.doc.destroy();
});

describe('ratings subgraph against DynamoDB Local', () => {
  it('creates, updates and deletes a rating, keeping the summary exact', async () => {
    const first = await rate('alice', { movieId: '550', score: 8.5, review: '  Rewatchable.  ' });
    expect(first.body.errors).toBeUndefined();
    const r = first.body.data.rateMovie;
    expect(r.rating).toMatchObject({ score: 8.5, review: 'Rewatchable.', user: { id: 'alice' }, movie: { id: '550' } });
    expect(r.movie.ratingSummary).toMatchObject({ average: 8.5, count: 1 });
    expect(r.movie.ratingSummary.histogram).toHaveLength(20);
    expect(r.movie.ratingSummary.histogram.find((b: { score: number }) => b.score === 8.5).count).toBe(1);

    await rate('bob', { movieId: '550', score: 6 });
    const updated = await rate('alice', { movieId: '550', score: 10 });
    expect(updated.body.data.rateMovie.movie.ratingSummary).toMatchObject({ average: 8, count: 2 });
    expect(updated.body.data.rateMovie.rating.createdAt).toBe(r.rating.createdAt);

    const del = await callSubgraph(ratings.url, secret, DELETE, { movieId: '550' }, 'bob');
    expect(del.body.data.deleteRating).toEqual({ deleted: true, movie: { ratingSummary: { average: 10, count: 1 } } });
    const again = await callSubgraph(ratings.url, secret, DELETE, { movieId: '550' }, 'bob');
    expect(again.body.data.deleteRating.deleted).toBe(false);

    const viewer = await movies(['550'], 'alice');
    expect(viewer.body.data._entities[0].viewerRating).toEqual({ score: 10, review: null });
    const anon = await movies(['550']);
    expect(anon.body.data._entities[0].viewerRating).toBeNull();
  });

  it('writes one domain event per change in the same transaction', async () => {
    const out = await ddb.doc.send(new ScanCommand({ TableName: tables.EVENTS_TABLE }));
    const types = (out.Items ?? []).map((i) => i.event.eventType).sort();
    expect(types).toEqual(['RatingCreated', 'RatingCreated', 'RatingDeleted', 'RatingUpdated']);
    for (const item of out.Items ?? []) {
      expect(item.event).toMatchObject({ schemaVersion: 1, movieId: '550' });
      expect(item.pendingpk).toBe('PENDING');
    }
  });

  it('refuses bad input with BAD_USER_INPUT naming the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ movieId: '550', score: 0 }, 'input.score'],
      [{ movieId: '550', score: 10.5 }, 'input.score'],
      [{ movieId: '550', score: 7.3 }, 'input.score'],
      [{ movieId: '550', score: 7, review: 'x'.repeat(2001) }, 'input.review'],
      [{ movieId: '550', score: 7, review: 'bell\u0007' }, 'input.review'],
      [{ movieId: 'abc', score: 7 }, 'input.movieId'],
    ];
    for (const [input, field] of cases) {
      const res = await rate('carol', input);
      expect({ input, codes: codes(res), field: res.body.errors?.[0].extensions?.field }).toEqual({ input, codes: ['BAD_USER_INPUT'], field });
    }
  });

  it('refuses anonymous writes and films that are not in the catalogue', async () => {
    expect(codes(await rate(null, { movieId: '550', score: 7 }))).toEqual(['UNAUTHENTICATED']);
    expect(codes(await rate('carol', { movieId: '999999999', score: 7 }))).toEqual(['NOT_FOUND']);
  });

  it('reads the summaries of 20 films with one BatchGetItem', async () => {
    const ids = [
      '550',
      '238',
      '680',
      '155',
      '27205',
      '157336',
      '603',
      '496243',
      '129',
      '13',
      '278',
      '424',
      '11',
      '597',
      '19995',
      '120',
      '122',
      '121',
      '769',
      '389',
    ];
    ddb.reset();
    const res = await movies(ids, 'alice');
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data._entities).toHaveLength(20);
    expect(ddb.calls).toEqual({ BatchGetItemCommand: 1 });
  });

  it('refuses requests that do not come from the gateway', async () => {
    const res = await fetch(ratings.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ _service { sdl } }"}' });
    expect(res.status).toBe(401);
    expect((await res.json()).errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });
});

describe('reviews pagination and ownership', () => {
  const REVIEWS = `query R($reps: [_Any!]!, $first: Int!, $after: String, $order: ReviewOrder!) {
    _entities(representations: $reps) { ... on Movie { reviews(first: $first, after: $after, orderBy: $order) { totalCount edges { cursor node { id score review createdAt user { id } } } pageInfo { hasNextPage endCursor } } } }
  }`;
  const page = (after: string | null, order: string, first = 40) =>
    callSubgraph(ratings.url, secret, REVIEWS, { reps: [{ __typename: 'Movie', id: '238' }], first, after, order });

  beforeAll(async () => {
    // 250 reviews of one film, with every score used, written concurrently in batches.
    for (let b = 0; b < 250; b += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, i) => b + i).map((n) =>
          rate(`reviewer${n}`, { movieId: '238', score: ((n % 20) + 1) / 2, review: `Review number ${n}` }),
        ),
      );
    }
  }, 120_000);

  it.each(['NEWEST', 'OLDEST', 'HIGHEST', 'LOWEST'])('pages through 250 reviews %s first with no duplicates or gaps', async (order) => {
    const seen: { user: string; score: number; createdAt: string }[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const res = await page(after, order);
      expect(res.body.errors).toBeUndefined();
      const conn = res.body.data._entities[0].reviews;
      expect(conn.totalCount).toBe(250);
      seen.push(
        ...conn.edges.map((e: { node: { user: { id: string }; score: number; createdAt: string } }) => ({
          user: e.node.user.id,
          score: e.node.score,
          createdAt: e.node.createdAt,
        })),
      );
      pages++;
      if (!conn.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor;
    }
    expect(pages).toBe(7);
    expect(seen).toHaveLength(250);
    expect(new Set(seen.map((s) => s.user)).size).toBe(250);
    const sorted = [...seen].sort((a, b) => {
      if (order === 'NEWEST') return b.createdAt.localeCompare(a.createdAt) || b.user.localeCompare(a.user);
      if (order === 'OLDEST') return a.createdAt.localeCompare(b.createdAt) || a.user.localeCompare(b.user);
      if (order === 'HIGHEST') return b.score - a.score || b.createdAt.localeCompare(a.createdAt) || b.user.localeCompare(a.user);
      return a.score - b.score || a.createdAt.localeCompare(b.createdAt) || a.user.localeCompare(b.user);
    });
    expect(seen).toEqual(sorted);
  });

  it('refuses tampered, foreign and garbage cursors with BAD_USER_INPUT', async () => {
    const first = await page(null, 'NEWEST', 5);
    const cursor: string = first.body.data._entities[0].reviews.pageInfo.endCursor;
    const [body, sig] = cursor.split('.');
    const forged = Buffer.from(
      JSON.stringify({ s: 'reviews:238:NEWEST', k: { pk: 'MOVIE#550', sk: 'RATING#x', reviewspk: 'MOVIE#550', reviewssk: 'x' } }),
    ).toString('base64url');
    for (const bad of [`${body}.${sig.slice(0, -2)}xx`, `${forged}.${sig}`, 'not-a-cursor', '', `${body}`, 'x'.repeat(5000)]) {
      const res = await page(bad, 'NEWEST', 5);
      expect({ bad: bad.slice(0, 20), codes: codes(res) }).toEqual({ bad: bad.slice(0, 20), codes: ['BAD_USER_INPUT'] });
    }
    // A cursor from one order is not valid for another.
    expect(codes(await page(cursor, 'OLDEST', 5))).toEqual(['BAD_USER_INPUT']);
  });

  it('lets no user change or remove another user’s rating, and lists only one’s own ratings', async () => {
    await rate('owner', { movieId: '680', score: 9, review: 'Mine.' });
    const del = await callSubgraph(ratings.url, secret, DELETE, { movieId: '680' }, 'intruder');
    expect(del.body.data.deleteRating.deleted).toBe(false);
    const still = await movies(['680'], 'owner');
    expect(still.body.data._entities[0].viewerRating).toEqual({ score: 9, review: 'Mine.' });
    const LIST = `query U($reps: [_Any!]!) { _entities(representations: $reps) { ... on User { ratings(first: 10) { totalCount edges { node { score movie { id } } } } } } }`;
    const own = await callSubgraph(ratings.url, secret, LIST, { reps: [{ __typename: 'User', id: 'owner' }] }, 'owner');
    expect(own.body.data._entities[0].ratings).toEqual({ totalCount: 1, edges: [{ node: { score: 9, movie: { id: '680' } } }] });
    const other = await callSubgraph(ratings.url, secret, LIST, { reps: [{ __typename: 'User', id: 'owner' }] }, 'intruder');
    expect(codes(other)).toEqual(['FORBIDDEN']);
  });
});
