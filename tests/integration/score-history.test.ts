import Redis from 'ioredis';
import { startOmdbServer, type OmdbServer } from '../../local/omdb/server';
import { startTmdbServer, type TmdbServer } from '../../local/tmdb/server';
import { createDynamoDb } from '../../platform/aws';
import { RedisCache } from '../../platform/cache';
import { createLogger } from '../../platform/logger';
import { createOmdbClient, omdbEnv } from '../../platform/omdb/config';
import type { RunningServer } from '../../platform/kit';
import { tmdbEnv } from '../../platform/tmdb/config';
import { createTmdbClient } from '../../platform/tmdb/create-client';
import { NotificationsStore } from '../../subgraphs/notifications/store';
import { loadRatingsConfig } from '../../subgraphs/ratings/config';
import { ScoreHistoryStore } from '../../subgraphs/ratings/history';
import { startRatingsService } from '../../subgraphs/ratings/service';
import { runScoreSnapshot } from '../../subgraphs/ratings/snapshot';
import { loadSnapshotConfig } from '../../subgraphs/ratings/snapshot-config';
import { runSnapshotTask } from '../../subgraphs/ratings/snapshot-main';
import { RatingsStore } from '../../subgraphs/ratings/store';
import { z } from 'zod';
import { freshTables, servers } from '../support/env';
import { callSubgraph, codes, testSecret } from '../support/graphql';

/**
 * The daily score snapshot (subgraphs/ratings/snapshot.ts) against DynamoDB Local, the TMDB and
 * OMDb stand-ins and a real Redis, and `Movie.scoreHistory` / `Movie.scores` in the ratings
 * subgraph reading what it wrote.
 */
const secret = testSecret();
const logger = createLogger('snapshot-test', 'silent');
let tmdb: TmdbServer;
let omdb: OmdbServer;
let ratings: RunningServer;
let redis: Redis;
let tables: Awaited<ReturnType<typeof freshTables>>;
const doc = createDynamoDb({ region: 'us-east-1', endpoint: servers().dynamodb });

const HISTORY = `query H($reps: [_Any!]!, $days: Int) { _entities(representations: $reps) { ... on Movie { id scoreHistory(days: $days) { date scores { consensus critics audience users } sources { source score votes } } } } }`;
const history = (id: string, days?: number) => callSubgraph(ratings.url, secret, HISTORY, { reps: [{ __typename: 'Movie', id }], days });
const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

function taskEnv(extra: Record<string, string> = {}) {
  return {
    TMDB_BASE_URL: tmdb.url,
    TMDB_ACCESS_TOKEN: 'tok',
    OMDB_BASE_URL: omdb.url,
    OMDB_API_KEY: 'snapshot-key',
    REDIS_URL: servers().redis,
    DYNAMODB_ENDPOINT: servers().dynamodb,
    LOG_LEVEL: 'silent',
    ...tables,
    ...extra,
  };
}

beforeAll(async () => {
  tmdb = await startTmdbServer({ accessToken: 'tok' });
  omdb = await startOmdbServer({});
  redis = new Redis(servers().redis);
  tables = await freshTables();
  // Rated: 550 (two users) and 238; followed: 680 and 238 again; 155 followed then unfollowed (not tracked).
  const ratingsStore = new RatingsStore({ doc, table: tables.RATINGS_TABLE, eventsTable: tables.EVENTS_TABLE });
  await ratingsStore.rate('alice', '550', 18, undefined);
  await ratingsStore.rate('bob', '550', 14, undefined);
  await ratingsStore.rate('alice', '238', 20, undefined);
  const follows = new NotificationsStore({ doc, table: tables.NOTIFICATIONS_TABLE });
  await follows.follow('carol', '680');
  await follows.follow('carol', '238');
  await follows.follow('carol', '155');
  await follows.unfollow('carol', '155');
  ratings = await startRatingsService(loadRatingsConfig({ RATINGS_PORT: '0', RATINGS_METRICS_PORT: '0', ...taskEnv() }), secret);
});

beforeEach(async () => {
  await redis.flushall();
  omdb.resetLog();
});

afterAll(async () => {
  await ratings?.stop();
  await omdb?.close();
  await tmdb?.close();
  redis?.disconnect();
  doc.destroy();
});

describe('the daily score snapshot', () => {
  it('stores today the external ratings and scores of every film users follow or rated, and a re-run adds nothing', async () => {
    const report = await runSnapshotTask(loadSnapshotConfig(taskEnv()));
    expect(report).toMatchObject({ date: day(0), tracked: 3, alreadyDone: 0, written: 3, deferredForQuota: 0, failed: 0 });
    expect(omdb.requests.map((r) => r.imdbId).sort()).toEqual(['tt0068646', 'tt0110912', 'tt0137523']);

    const res = await history('550', 1);
    expect(res.body.errors).toBeUndefined();
    const [snap] = res.body.data._entities[0].scoreHistory;
    expect(snap.date).toBe(day(0));
    expect(snap.sources).toEqual([
      { source: 'IMDB', score: 88, votes: 2036608 },
      { source: 'ROTTEN_TOMATOES', score: 79, votes: null },
      { source: 'METACRITIC', score: 66, votes: null },
      { source: 'TMDB', score: 84, votes: 30500 },
    ]);
    // Marquee's users: 9 and 7 → 80, with 2 ratings' weight (0.2 · 2/12).
    const audience = (88 * 2036608 + 84 * 30500) / (2036608 + 30500);
    const w = (0.2 * 2) / 12;
    expect(snap.scores).toEqual({
      critics: 72.5,
      audience: Math.round(audience * 10) / 10,
      users: 80,
      consensus: Math.round(((0.4 * 72.5 + 0.4 * audience + w * 80) / (0.8 + w)) * 10) / 10,
    });

    omdb.resetLog();
    const again = await runSnapshotTask(loadSnapshotConfig(taskEnv()));
    expect(again).toMatchObject({ tracked: 3, alreadyDone: 3, written: 0 });
    expect(omdb.requests).toHaveLength(0);
  });

  it('respects the quota: it leaves SNAPSHOT_QUOTA_RESERVE of the day for live traffic and defers the rest', async () => {
    const fresh = await freshTables();
    const follows = new NotificationsStore({ doc, table: fresh.NOTIFICATIONS_TABLE });
    for (const id of ['550', '238', '680', '155', '27205']) await follows.follow('dave', id);
    // A limit of 5 with a reserve of 0.4: the snapshot may take 3 of today's requests.
    const report = await runSnapshotTask(
      loadSnapshotConfig(taskEnv({ ...fresh, OMDB_DAILY_LIMIT: '5', SNAPSHOT_QUOTA_RESERVE: '0.4', SNAPSHOT_CONCURRENCY: '1' })),
    );
    expect(report).toMatchObject({ tracked: 5, written: 3, deferredForQuota: 2 });
    expect(omdb.requests).toHaveLength(3);
    // Live traffic, at the full limit, still has its two.
    const cache = new RedisCache({ url: servers().redis, logger });
    try {
      await new Promise((r) => setTimeout(r, 100));
      const live = createOmdbClient(z.object(omdbEnv).parse({ OMDB_API_KEY: 'snapshot-key', OMDB_BASE_URL: omdb.url, OMDB_DAILY_LIMIT: '5' }), {
        cache,
        logger,
      })!;
      await live.rating('tt0120737');
      await live.rating('tt0167261');
      await expect(live.rating('tt0167260')).rejects.toMatchObject({ kind: 'quota' });
    } finally {
      await cache.close();
    }
    // The next run (tomorrow's quota) picks up the deferred films only.
    await redis.flushall();
    const next = await runSnapshotTask(loadSnapshotConfig(taskEnv({ ...fresh, OMDB_DAILY_LIMIT: '5', SNAPSHOT_QUOTA_RESERVE: '0.4' })));
    expect(next).toMatchObject({ tracked: 5, alreadyDone: 3, written: 2, deferredForQuota: 0 });
  });

  it('returns the days asked for, oldest first; days must be from 1 to 365', async () => {
    const cache = new RedisCache({ url: servers().redis, logger });
    try {
      const tmdbClient = createTmdbClient(z.object(tmdbEnv).parse({ TMDB_BASE_URL: tmdb.url, TMDB_ACCESS_TOKEN: 'tok' }), { cache, logger });
      const store = new ScoreHistoryStore({ doc, table: tables.SCORE_HISTORY_TABLE });
      for (const offset of [-1, -3]) {
        await runScoreSnapshot({
          doc,
          tables: { ratings: tables.RATINGS_TABLE, notifications: tables.NOTIFICATIONS_TABLE },
          history: store,
          tmdb: tmdbClient,
          logger,
          now: () => new Date(Date.now() + offset * 86_400_000),
        });
      }
    } finally {
      await cache.close();
    }
    const three = await history('680', 3);
    expect(three.body.data._entities[0].scoreHistory.map((s: { date: string }) => s.date)).toEqual([day(-1), day(0)]);
    const all = await history('680');
    expect(all.body.data._entities[0].scoreHistory.map((s: { date: string }) => s.date)).toEqual([day(-3), day(-1), day(0)]);
    // Without OMDb (these two runs had no key) a snapshot holds TMDB's rating alone.
    expect(all.body.data._entities[0].scoreHistory[0].sources.map((s: { source: string }) => s.source)).toEqual(['TMDB']);
    expect(codes(await history('680', 0))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await history('680', 366))).toEqual(['BAD_USER_INPUT']);
    expect((await history('99999', 30)).body.data._entities[0].scoreHistory).toEqual([]);
  });
});

describe('Movie.scores', () => {
  const SCORES = `query S($reps: [_Any!]!) { _entities(representations: $reps) { ... on Movie { id scores { consensus critics audience users } } } }`;
  const scores = (rep: Record<string, unknown>) => callSubgraph(ratings.url, secret, SCORES, { reps: [{ __typename: 'Movie', ...rep }] });

  it('computes the consensus from the external ratings the gateway passes (@requires) and Marquee users', async () => {
    const res = await scores({
      id: '238',
      externalRatings: [
        { source: 'IMDB', score: 92, votes: 2000000 },
        { source: 'ROTTEN_TOMATOES', score: 97, votes: null },
        { source: 'METACRITIC', score: 100, votes: null },
        { source: 'TMDB', score: 87, votes: 21000 },
      ],
    });
    expect(res.body.errors).toBeUndefined();
    const audience = (92 * 2000000 + 87 * 21000) / 2021000;
    const w = 0.2 / 11;
    expect(res.body.data._entities[0].scores).toEqual({
      critics: 98.5,
      audience: Math.round(audience * 10) / 10,
      users: 100,
      consensus: Math.round(((0.4 * 98.5 + 0.4 * audience + w * 100) / (0.8 + w)) * 10) / 10,
    });
  });

  it("falls back to Marquee's users alone when the external ratings failed (null)", async () => {
    const res = await scores({ id: '550', externalRatings: null });
    expect(res.body.data._entities[0].scores).toEqual({ consensus: 80, critics: null, audience: null, users: 80 });
  });
});
