import { startTmdbServer, type TmdbServer } from '../../local/tmdb/server';
import { loadRatingsConfig } from '../../subgraphs/ratings/config';
import { startRatingsService } from '../../subgraphs/ratings/service';
import type { RunningServer } from '../../platform/subgraph-server';
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
    const ids = ['550', '238', '680', '155', '27205', '157336', '603', '496243', '129', '13', '278', '424', '11', '597', '19995', '120', '122', '121', '769', '389'];
    ddb.reset();
    const res = await movies(ids, 'alice');
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data._entities).toHaveLength(20);
    expect(ddb.calls).toEqual({ BatchGetItemCommand: 1 });
  });

  it('refuses requests that do not come from the gateway', async () => {
    const res = await fetch(ratings.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ _service { sdl } }"}' });
    expect(res.status).toBe(401);
    expect(((await res.json()) as any).errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });
});
