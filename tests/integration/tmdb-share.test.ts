import Redis from 'ioredis';
import { startTmdbServer, type TmdbServer } from '../../local/tmdb/server';
import { loadMoviesConfig } from '../../subgraphs/movies/config';
import { startMoviesService } from '../../subgraphs/movies/service';
import type { RunningServer } from '../../platform/kit';
import { callSubgraphAs, codes, testSecret } from '../support/graphql';
import { servers } from '../support/env';

/**
 * Each caller's share of the TMDB budget (issue 16): client A hammers unknown ids from many
 * operations at once; client B, another anonymous IP, still gets its films from TMDB while A's
 * fields fail with RATE_LIMITED. Without the share, A's backlog fills the global budget and
 * B waits behind it past TMDB_BUDGET_MAX_WAIT_MS.
 */
const secret = testSecret();
let tmdb: TmdbServer;
let movies: RunningServer;
let redis: Redis;

const RATE = 40;
const SHARE = 0.25;
const MANY = 'query M($ids: [ID!]!) { movies(ids: $ids) { id title } }';
const unknown = (from: number, n: number) => Array.from({ length: n }, (_, i) => String(900_000 + from + i));
const B_FILMS = ['550', '238', '240', '680'];

beforeAll(async () => {
  tmdb = await startTmdbServer({ port: 0, accessToken: 'share-tok' });
  redis = new Redis(servers().redis);
  await redis.flushall();
  const cfg = loadMoviesConfig({
    MOVIES_PORT: '0',
    MOVIES_METRICS_PORT: '0',
    TMDB_BASE_URL: tmdb.url,
    TMDB_ACCESS_TOKEN: 'share-tok',
    TMDB_MAX_RETRIES: '0',
    TMDB_RATE_LIMIT: String(RATE),
    TMDB_CALLER_SHARE: String(SHARE),
    TMDB_BUDGET_MAX_WAIT_MS: '1000',
    REDIS_URL: servers().redis,
    LOG_LEVEL: 'silent',
  });
  movies = await startMoviesService(cfg, secret);
});

afterAll(async () => {
  await movies?.stop();
  await tmdb?.close();
  redis?.disconnect();
});

it('keeps a share of the TMDB budget for client B while client A hammers unknown ids', async () => {
  const a = { userId: null, partnerId: null, clientIp: '203.0.113.1' };
  const b = { userId: null, partnerId: null, clientIp: '203.0.113.2' };
  tmdb.resetLog();
  const started = Date.now();
  const flood = Promise.all(Array.from({ length: 4 }, (_, i) => callSubgraphAs(movies.url, secret, a, MANY, { ids: unknown(i * 100, 100) })));
  await new Promise((r) => setTimeout(r, 50));
  const fromB = await callSubgraphAs(movies.url, secret, b, MANY, { ids: B_FILMS });
  const fromA = await flood;
  const seconds = (Date.now() - started) / 1000;

  // B: every film answered, each fetched from TMDB within B's own share.
  expect(codes(fromB)).toEqual([]);
  expect(fromB.body.data?.movies.map((m: { id: string }) => m.id)).toEqual(B_FILMS);
  const paths = tmdb.requests.map((r) => r.path);
  for (const id of B_FILMS) expect(paths).toContain(`/3/movie/${id}`);

  // A: refused beyond its share (RATE_LIMITED, saying it is this caller's share), and TMDB saw
  // no more of A than the share allows: a burst of 1 and 9/s.
  for (const res of fromA) {
    expect(res.status).toBe(200);
    expect(codes(res)).toContain('RATE_LIMITED');
  }
  expect(fromA.flatMap((r) => r.body.errors ?? []).some((e) => /your share/.test(e.message))).toBe(true);
  const callsForA = paths.filter((p) => /^\/3\/movie\/9\d{5}$/.test(p)).length;
  expect(callsForA).toBeGreaterThan(0);
  expect(callsForA).toBeLessThanOrEqual(Math.ceil(1 + RATE * SHARE * seconds) + 1);
}, 30_000);
