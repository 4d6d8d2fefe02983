import Redis from 'ioredis';
import { startTmdbServer, type TmdbServer } from '../../local/tmdb/server';
import { loadMoviesConfig } from '../../subgraphs/movies/config';
import { startMoviesService } from '../../subgraphs/movies/service';
import type { RunningServer } from '../../platform/kit';
import { callSubgraph, codes, testSecret } from '../support/graphql';
import { servers } from '../support/env';

const secret = testSecret();
let tmdb: TmdbServer;
let movies: RunningServer;
let redis: Redis;

const q = (query: string, variables: Record<string, unknown> = {}) => callSubgraph(movies.url, secret, query, variables);
const tmdbPaths = () => tmdb.requests.map((r) => r.path);

beforeAll(async () => {
  tmdb = await startTmdbServer({ port: 0, accessToken: 'tok' });
  redis = new Redis(servers().redis);
  const cfg = loadMoviesConfig({
    MOVIES_PORT: '0',
    MOVIES_METRICS_PORT: '0',
    TMDB_BASE_URL: tmdb.url,
    TMDB_ACCESS_TOKEN: 'tok',
    TMDB_MAX_RETRIES: '2',
    TMDB_TIMEOUT_MS: '1000',
    TMDB_CIRCUIT_HALF_OPEN_MS: '1500',
    // Every call here is the same caller; callers' shares have their own test (tmdb-share.test.ts).
    TMDB_CALLER_SHARE: '1',
    REDIS_URL: servers().redis,
    LOG_LEVEL: 'silent',
  });
  movies = await startMoviesService(cfg, secret);
});

beforeEach(async () => {
  await redis.flushall();
  tmdb.setFault(null);
  tmdb.resetLog();
});

afterAll(async () => {
  await movies?.stop();
  await tmdb?.close();
  redis?.disconnect();
});

const POPULAR_LIST_FIELDS =
  '{ popularMovies { page totalPages totalResults results { id title year poster(size: W342) { url width filePath } tmdbRating { average voteCount } } } }';
const POPULAR_WITH_CAST = '{ popularMovies { results { id title cast(first: 3) { character person { id name } } } } }';

describe('movies subgraph against the local TMDB server and a real Redis', () => {
  describe('fan-out bounds (issue 16)', () => {
    const MANY = 'query M($a: [ID!]!, $b: [ID!]!) { a: movies(ids: $a) { id title } b: movies(ids: $b) { id title } }';
    const unknown = (from: number, n: number) => Array.from({ length: n }, (_, i) => String(900_000 + from + i));

    it('caps the distinct TMDB fetches of one operation at TMDB_MAX_FETCHES_PER_REQUEST (100)', async () => {
      const res = await q(MANY, { a: unknown(0, 80), b: unknown(80, 80) });
      expect(tmdb.requests.length).toBe(100);
      const limited = (res.body.errors ?? []).filter((e: { extensions?: { code?: string } }) => e.extensions?.code === 'UPSTREAM_FETCH_LIMIT');
      // Beyond the cap the field fails with a clear code; the ids within it were answered.
      expect(limited.length).toBeGreaterThanOrEqual(1);
      expect(limited[0].path).toEqual(['b']);
    });

    it('remembers not-found answers, so unknown ids are not asked again', async () => {
      const ids = unknown(1000, 50);
      const first = await q(MANY, { a: ids, b: [] });
      expect(first.body.data.a.every((m: unknown) => m === null)).toBe(true);
      expect(tmdb.requests.length).toBe(50);
      tmdb.resetLog();
      const again = await q(MANY, { a: ids, b: [] });
      expect(again.body.data.a.every((m: unknown) => m === null)).toBe(true);
      expect(tmdb.requests.length).toBe(0);
    });
  });

  it('answers a popular page of list fields with one TMDB call and no detail calls', async () => {
    const res = await q(POPULAR_LIST_FIELDS);
    expect(res.body.errors).toBeUndefined();
    const page = res.body.data.popularMovies;
    expect(page).toMatchObject({ page: 1 });
    expect(page.results).toHaveLength(20);
    expect(page.totalResults).toBeGreaterThanOrEqual(100);
    const withPoster = page.results.find((m: { poster: unknown }) => m.poster);
    expect(withPoster.poster.url).toMatch(/^https:\/\/image\.tmdb\.org\/t\/p\/w342\/.+/);
    expect(withPoster.poster.width).toBe(342);
    expect(tmdbPaths()).toEqual(['/3/movie/popular']);
  });

  it('costs one call per film for casts, 21 cold, and none warm', async () => {
    const cold = await q(POPULAR_WITH_CAST);
    expect(cold.body.errors).toBeUndefined();
    expect(cold.body.data.popularMovies.results[0].cast.length).toBeGreaterThan(0);
    expect(tmdb.requests).toHaveLength(21);
    const details = tmdb.requests.filter((r) => /^\/3\/movie\/\d+$/.test(r.path));
    expect(details).toHaveLength(20);
    for (const d of details) expect(d.query.append_to_response).toBe('credits');
    tmdb.resetLog();
    const warm = await q(POPULAR_WITH_CAST);
    expect(warm.body.data).toEqual(cold.body.data);
    expect(tmdb.requests).toHaveLength(0);
  });

  it('fetches a film asked for twice in one operation once', async () => {
    const res = await q('{ a: movie(id: "550") { title runtime } b: movie(id: "550") { title directors { name } cast(first: 2) { person { name } } } }');
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.a.title).toBe('Fight Club');
    expect(res.body.data.b.directors).toEqual([{ name: 'David Fincher' }]);
    expect(tmdbPaths()).toEqual(['/3/movie/550']);
  });

  it('coalesces 100 concurrent identical cold operations into one call per resource', async () => {
    const all = await Promise.all(Array.from({ length: 100 }, () => q('{ movie(id: "680") { title directors { name } } }')));
    for (const r of all) expect(r.body.data.movie.title).toBe('Pulp Fiction');
    expect(tmdbPaths()).toEqual(['/3/movie/680']);
  });

  it('maps TMDB failures to stable codes', async () => {
    const missing = await q('{ movie(id: "999999999") { title } }');
    expect(missing.body.data).toEqual({ movie: null });
    expect(codes(missing)).toEqual(['NOT_FOUND']);

    tmdb.setFault({ kind: 'status', status: 401, statusCode: 7 });
    expect(codes(await q('{ movie(id: "13") { title } }'))).toEqual(['UPSTREAM_AUTH']);

    // 429 without Retry-After: retried with exponential backoff, then RATE_LIMITED.
    tmdb.setFault({ kind: 'status', status: 429, statusCode: 25 });
    expect(codes(await q('{ movie(id: "13") { title } }'))).toEqual(['RATE_LIMITED']);
    expect(tmdb.requests.filter((r) => r.path === '/3/movie/13' && r.status === 429)).toHaveLength(3);

    tmdb.setFault({ kind: 'status', status: 500 });
    expect(codes(await q('{ movie(id: "13") { title } }'))).toEqual(['UPSTREAM_UNAVAILABLE']);

    tmdb.setFault({ kind: 'malformed' });
    expect(codes(await q('{ movie(id: "14") { title } }'))).toEqual(['UPSTREAM_UNAVAILABLE']);

    // Six outages in a row opened the circuit: the next call fails fast, without reaching TMDB.
    tmdb.setFault(null);
    tmdb.resetLog();
    expect(codes(await q('{ movie(id: "15") { title } }'))).toEqual(['UPSTREAM_UNAVAILABLE']);
    expect(tmdb.requests).toHaveLength(0);
    // After the half-open delay a probe goes through, succeeds and closes the circuit.
    await new Promise((r) => setTimeout(r, 1600));
    expect((await q('{ movie(id: "15") { title } }')).body.data.movie.title).toBe('Citizen Kane');
    expect(tmdb.requests).toHaveLength(1);
  });

  it('times out a hung TMDB request and says so', async () => {
    tmdb.setFault({ kind: 'delay', ms: 1500, times: 3 });
    const res = await q('{ movie(id: "105") { title } }');
    expect(codes(res)).toEqual(['UPSTREAM_UNAVAILABLE']);
    expect(tmdb.requests.filter((r) => r.path === '/3/movie/105').length).toBe(3);
  });

  it('honours Retry-After on 429 and then succeeds', async () => {
    tmdb.setFault({ kind: 'status', status: 429, retryAfterSeconds: 1, times: 1 });
    const started = Date.now();
    const res = await q('{ movie(id: "562") { title } }');
    expect(res.body.data.movie.title).toBe('Die Hard');
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(tmdb.requests.map((r) => r.status)).toEqual([429, 200]);
  });

  it('does not hold a request through a long Retry-After', async () => {
    tmdb.setFault({ kind: 'status', status: 429, retryAfterSeconds: 60, times: 1 });
    const started = Date.now();
    expect(codes(await q('{ movie(id: "218") { title } }'))).toEqual(['RATE_LIMITED']);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(tmdb.requests).toHaveLength(1);
  });

  it('retries a transient failure and succeeds', async () => {
    tmdb.setFault({ kind: 'status', status: 503, times: 1 });
    const res = await q('{ movie(id: "603") { title } }');
    expect(res.body.data.movie.title).toBe('The Matrix');
    expect(tmdb.requests.map((r) => r.status)).toEqual([503, 200]);
  });

  it('validates arguments before calling TMDB', async () => {
    expect(codes(await q('{ popularMovies(page: 0) { page } }'))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await q('{ popularMovies(page: 501) { page } }'))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await q('{ movie(id: "abc") { title } }'))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await q(`{ movies(ids: [${Array.from({ length: 101 }, (_, i) => `"${i + 1}"`).join(',')}]) { id } }`))).toEqual(['BAD_USER_INPUT']);
    expect(tmdb.requests).toHaveLength(0);
  });

  it('keeps serving when Redis goes away, and uses it again when it returns', async () => {
    await q('{ movie(id: "238") { title } }');
    expect(tmdb.requests).toHaveLength(1);
    // Pausing Redis makes every command time out, as a slow or partitioned Redis would.
    await redis.call('CLIENT', 'PAUSE', '1500', 'ALL');
    const during = await q('{ movie(id: "155") { title } }');
    expect(during.body.errors).toBeUndefined();
    expect(during.body.data.movie.title).toBe('The Dark Knight');
    await new Promise((r) => setTimeout(r, 1700));
    tmdb.resetLog();
    const cached = await q('{ movie(id: "238") { title } }');
    expect(cached.body.data.movie.title).toBe('The Godfather');
    expect(tmdb.requests).toHaveLength(0);
  });
});
