import path from 'node:path';
import { startStack, type Stack } from '../../local/stack';
import { makeToken } from '../../scripts/token';
import { codes, postGraphQL } from '../support/graphql';
import { freshTables, metricsUrlFor, stackEnv } from '../support/env';

/**
 * The four real processes on free ports, exactly as `npm start` runs them, queried over HTTP.
 * The shared DynamoDB Local and fauxqs from global setup stand in for AWS; TMDB is the local
 * catalog server, whose request log counts what reached "TMDB".
 */
let stack: Stack;
const gql = (query: string, variables: Record<string, unknown> = {}, token?: string) =>
  postGraphQL(stack.gatewayUrl, query, variables, token ? { authorization: `Bearer ${token}` } : {});

beforeAll(async () => {
  stack = await startStack({
    randomPorts: true,
    // Every test here also checks that no request writes into a subgraph answer it shares.
    env: stackEnv({ ...(await freshTables()), SUBGRAPH_FREEZE_SHARED: 'on' }),
    logDir: path.resolve(__dirname, '..', '..', 'test-artifacts', 'e2e-logs'),
  });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

describe('the supergraph over HTTP', () => {
  it('starts only the stand-ins the environment does not point elsewhere', () => {
    // DYNAMODB_ENDPOINT, SNS_ENDPOINT and S3_ENDPOINT were given (the shared test servers): only
    // TMDB, OMDb and the upload bridge (fauxqs has no S3 event notifications) are local.
    expect(stack.standIns).toHaveLength(3);
    expect(stack.standIns[0]).toMatch(/^TMDB catalog/);
    expect(stack.standIns[1]).toMatch(/^OMDb /);
    expect(stack.standIns[2]).toMatch(/^S3 upload bridge http:\/\/127\.0\.0\.1:\d+$/);
    expect(stack.env.SNS_TOPIC_ARN).toMatch(/^arn:aws:sns:/);
    // The feed queue and bucket were made on the shared fauxqs, and presigned URLs point at the bridge.
    expect(stack.env.FEED_QUEUE_URL).toContain(new URL(stack.env.SQS_ENDPOINT).port);
    expect(stack.env.S3_PUBLIC_ENDPOINT).toBe(stack.feedBridge!.url);
  });

  it('answers a query that crosses all three subgraphs with 20 popular films, in one TMDB call', async () => {
    stack.tmdb!.resetLog();
    const res = await gql('{ popularMovies { results { id title ratingSummary { average count } followerCount } } }');
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    const results = res.body.data.popularMovies.results;
    expect(results).toHaveLength(20);
    for (const m of results) {
      expect(m.title).toEqual(expect.any(String));
      expect(m.ratingSummary).toEqual({ average: null, count: 0 });
      expect(m.followerCount).toBe(0);
    }
    expect(stack.tmdb!.requests.map((r) => r.path)).toEqual(['/3/movie/popular']);
  });

  it('shows a rating and a follow in the next read', async () => {
    const token = await makeToken('e2e-user', stack.env.JWT_SECRET);
    const rated = await gql(
      'mutation { rateMovie(input: { movieId: "550", score: 9, review: "Still sharp." }) { rating { score } movie { title ratingSummary { count } } } }',
      {},
      token,
    );
    expect(rated.body.errors).toBeUndefined();
    expect(rated.body.data.rateMovie).toEqual({ rating: { score: 9 }, movie: { title: 'Fight Club', ratingSummary: { count: 1 } } });
    const followed = await gql('mutation { followMovie(movieId: "550") { following movie { followerCount viewerIsFollowing } } }', {}, token);
    expect(followed.body.data.followMovie).toEqual({ following: true, movie: { followerCount: 1, viewerIsFollowing: true } });

    const read = await gql(
      '{ movie(id: "550") { title ratingSummary { average count } viewerRating { score review } followerCount viewerIsFollowing } }',
      {},
      token,
    );
    expect(read.body.errors).toBeUndefined();
    expect(read.body.data.movie).toEqual({
      title: 'Fight Club',
      ratingSummary: { average: 9, count: 1 },
      viewerRating: { score: 9, review: 'Still sharp.' },
      followerCount: 1,
      viewerIsFollowing: true,
    });
    const anonymous = await gql('{ movie(id: "550") { viewerRating { score } viewerIsFollowing } }');
    expect(anonymous.body.data.movie).toEqual({ viewerRating: null, viewerIsFollowing: false });
  });

  it("delivers a rating of a followed film to the follower's feed, not the author's", async () => {
    const fan = await makeToken('e2e-fan', stack.env.JWT_SECRET);
    const critic = await makeToken('e2e-critic', stack.env.JWT_SECRET);
    await gql('mutation { followMovie(movieId: "603") { following } }', {}, fan);
    await gql('mutation { followMovie(movieId: "603") { following } }', {}, critic);
    await gql('mutation { rateMovie(input: { movieId: "603", score: 9.5, review: "Still astonishing." }) { rating { id } } }', {}, critic);
    const FEED =
      '{ me { id unreadNotificationCount notifications(first: 5) { edges { node { kind score actor { id } movie { title } rating { review } } } } } }';
    let fanFeed: any;
    for (let i = 0; i < 50; i++) {
      fanFeed = (await gql(FEED, {}, fan)).body;
      // The count (a GetItem) and the list (a Query) are two reads; one request can fall between
      // the delivery's transaction and them, so wait until both show it.
      if (fanFeed.data?.me.unreadNotificationCount && fanFeed.data.me.notifications.edges.length) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(fanFeed.errors).toBeUndefined();
    expect(fanFeed.data.me.unreadNotificationCount).toBe(1);
    expect(fanFeed.data.me.notifications.edges).toEqual([
      { node: { kind: 'NEW_REVIEW', score: 9.5, actor: { id: 'e2e-critic' }, movie: { title: 'The Matrix' }, rating: { review: 'Still astonishing.' } } },
    ]);
    const criticFeed = (await gql(FEED, {}, critic)).body;
    expect(criticFeed.data.me.notifications.edges).toEqual([]);
  });

  it('refuses mutations without a user, and forged tokens', async () => {
    const anon = await gql('mutation { followMovie(movieId: "550") { following } }');
    expect(codes(anon)).toEqual(['UNAUTHENTICATED']);
    const forged = await makeToken('mallory', 'x'.repeat(40));
    const res = await gql('{ popularMovies { page } }', {}, forged);
    expect(res.status).toBe(401);
    expect(codes(res)).toEqual(['UNAUTHENTICATED']);
  });

  it('asks ratings once for both entity sets of a detail page: one batch, one DynamoDB batch read', async () => {
    const token = await makeToken('e2e-batch', stack.env.JWT_SECRET);
    const query = `query Detail($id: ID!) { movie(id: $id) { title viewerRating { score } ratingSummary { count }
      recommendations { results { id ratingSummary { count } } } } }`;
    // Warm the movies subgraph's TMDB cache with the film and its recommendations, without asking
    // ratings: the gateway's subgraph cache would otherwise answer the recommendations' public
    // summaries and leave one operation to send.
    await gql('query Warm($id: ID!) { movie(id: $id) { title recommendations { results { id } } } }', { id: '603' }, token);
    const metric = async (url: string, name: string) => {
      const text = await fetch(metricsUrlFor(stack, url)).then((r) => r.text());
      return [...text.matchAll(new RegExp(`^${name}(?:\\{([^}]*)\\})? ([0-9.e+]+)$`, 'gm'))]
        .filter((m) => !m[1] || !m[1].includes('subgraph=') || m[1].includes('subgraph="ratings"'))
        .reduce((sum, m) => sum + Number(m[2]), 0);
    };
    const batched0 = await metric(stack.gatewayUrl, 'marquee_gateway_subgraph_batched_operations_total');
    const ddb0 = await metric(stack.urls.ratings, 'marquee_dynamodb_requests_total');
    const res = await gql(query, { id: '603' }, token);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.movie.title).toBe('The Matrix');
    expect(res.body.data.movie.recommendations.results.length).toBeGreaterThan(0);
    // The film's viewerRating/ratingSummary and the recommendations' ratingSummary: two operations, one HTTP call.
    expect((await metric(stack.gatewayUrl, 'marquee_gateway_subgraph_batched_operations_total')) - batched0).toBe(2);
    // …answered by one BatchGetItem for all keys, not one per operation.
    expect((await metric(stack.urls.ratings, 'marquee_dynamodb_requests_total')) - ddb0).toBe(1);
  });

  it('gives concurrent identical requests the same answers as one alone, while they share subgraph answers read-only', async () => {
    const [ann, bob] = await Promise.all([makeToken('e2e-share-a', stack.env.JWT_SECRET), makeToken('e2e-share-b', stack.env.JWT_SECRET)]);
    await gql('mutation { rateMovie(input: { movieId: "603", score: 7 }) { rating { score } } }', {}, ann);
    const browse = `{ popularMovies { results { id title poster(size: W342) { url } genres { name } ratingSummary { average count } followerCount } } }`;
    const detail = `query D($id: ID!) { movie(id: $id) { id title cast(first: 3) { character person { name } } viewerRating { score }
      viewerIsFollowing reviews(first: 2) { totalCount } recommendations { results { id title ratingSummary { count } followerCount } } } }`;
    const many = `query M($ids: [ID!]!) { movies(ids: $ids) { id title ratingSummary { count } followerCount viewerRating { score } } }`;
    const cases: [string, Record<string, unknown>, string | undefined][] = [
      [browse, {}, undefined],
      [detail, { id: '603' }, ann],
      [detail, { id: '603' }, bob],
      [many, { ids: ['550', '603', '13'] }, ann],
    ];
    // Alone first (nothing shared), then 12 of each at once (movies answers shared across callers, all of them within one caller).
    const alone: Awaited<ReturnType<typeof gql>>['body'][] = [];
    for (const [q, v, t] of cases) alone.push((await gql(q, v, t)).body);
    const together = await Promise.all(cases.flatMap(([q, v, t]) => Array.from({ length: 12 }, () => gql(q, v, t).then((r) => r.body))));
    together.forEach((body, i) => {
      expect(body.errors).toBeUndefined();
      expect(body).toEqual(alone[Math.floor(i / 12)]);
    });
    expect(alone[1].data.movie.viewerRating).toEqual({ score: 7 });
    expect(alone[2].data.movie.viewerRating).toBeNull();
    // …and answers were indeed shared: in flight (deduplicated) and from the subgraph cache (one parsed hit for many requests).
    const metrics = await fetch(stack.metricsUrls.gateway).then((r) => r.text());
    for (const subgraph of ['ratings', 'notifications']) {
      expect(metrics).toMatch(new RegExp(`marquee_gateway_subgraph_deduplicated_total\\{subgraph="${subgraph}"[^}]*\\} [1-9]`));
    }
    expect(metrics).toMatch(/marquee_gateway_subgraph_cache_total\{subgraph="movies",result="hit"[^}]*\} [1-9]/);
  });

  it('answers NOT_FOUND for a film TMDB does not know, with null data', async () => {
    const res = await gql('{ movie(id: "999999999") { title } }');
    expect(res.body.data).toEqual({ movie: null });
    expect(codes(res)).toEqual(['NOT_FOUND']);
  });

  it('keeps answering, with a partial result, when a subgraph is down', async () => {
    await stack.stopService('notifications');
    try {
      const res = await gql('{ movie(id: "550") { title followerCount } }');
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual({ movie: { title: 'Fight Club', followerCount: null } });
      expect(codes(res)).toEqual(['SUBGRAPH_UNAVAILABLE']);
      // Recognised by the subgraph client's error type, which names the subgraph (docs/errors.md).
      expect(res.body.errors?.[0]).toMatchObject({
        message: expect.stringMatching(/^The notifications service is unavailable/),
        extensions: { service: 'notifications' },
      });
      const partial = await gql('{ movie(id: "550") { title ratingSummary { count } } }');
      expect(partial.body.data.movie).toEqual({ title: 'Fight Club', ratingSummary: { count: 1 } });
      const health = await fetch(stack.gatewayUrl.replace('/graphql', '/health'));
      expect(health.status).toBe(200);
      const ready = await fetch(stack.gatewayUrl.replace('/graphql', '/ready'));
      expect(ready.status).toBe(503);
    } finally {
      await stack.startService('notifications');
    }
  });
});
