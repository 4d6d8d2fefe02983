import path from 'node:path';
import Redis from 'ioredis';
import { startStack, type Stack } from '../../local/stack';
import { makeToken } from '../../scripts/token';
import { freshTables, servers, stackEnv } from '../support/env';
import { postGraphQL } from '../support/graphql';

/**
 * Issue 21's "done when", over HTTP against the four processes and the local OMDb stand-in that
 * `npm start` runs, with OMDB_DAILY_LIMIT=3: Fight Club's IMDb, Rotten Tomatoes, Metacritic and
 * TMDB scores and a consensus (`scores` through the gateway's @requires path), the fourth distinct
 * film's title with a coded error on its external ratings, and the score snapshot task.
 */
const ROOT = path.resolve(__dirname, '..', '..');
// A Redis database of its own: the quota counter is per OMDb key and day, and every local stack has the same key.
const REDIS_URL = `${servers().redis.replace(/\/\d*$/, '')}/4`;
let stack: Stack;
let redis: Redis;
let token: string;

const DONE_WHEN = '{ movie(id: "550") { externalRatings { source value score } scores { consensus } } }';
const ask = (query: string, headers: Record<string, string> = {}) => postGraphQL(stack.gatewayUrl, query, {}, headers);

beforeAll(async () => {
  redis = new Redis(REDIS_URL);
  await redis.flushdb();
  stack = await startStack({
    randomPorts: true,
    env: stackEnv({ REDIS_URL, ...(await freshTables()), OMDB_DAILY_LIMIT: '3', SCORE_SNAPSHOT_INTERVAL_MINUTES: '0' }),
    logDir: path.join(ROOT, 'test-artifacts', 'external-ratings-logs'),
  });
  token = await makeToken('erin', stack.env.JWT_SECRET);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await redis?.flushdb();
  redis?.disconnect();
});

describe('external ratings through the gateway', () => {
  it("answers Fight Club's IMDb, Rotten Tomatoes, Metacritic and TMDB scores and a consensus", async () => {
    const res = await ask(DONE_WHEN);
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.movie.externalRatings).toEqual([
      { source: 'IMDB', value: '8.8/10', score: 88 },
      { source: 'ROTTEN_TOMATOES', value: '79%', score: 79 },
      { source: 'METACRITIC', value: '66/100', score: 66 },
      { source: 'TMDB', value: '8.4/10', score: 84 },
    ]);
    // No Marquee ratings yet: critics (72.5) and vote-weighted audiences, 0.4 each.
    const audience = (88 * 2036608 + 84 * 30500) / (2036608 + 30500);
    expect(res.body.data.movie.scores.consensus).toBe(Math.round(((72.5 + audience) / 2) * 10) / 10);
    expect(stack.omdb!.requests.map((r) => r.imdbId)).toEqual(['tt0137523']);
  });

  it("carries the external ratings to ratings' scores (@requires), with Marquee's users in the consensus", async () => {
    const rate = await ask('mutation { rateMovie(input: { movieId: "550", score: 2 }) { rating { score } } }', { authorization: `Bearer ${token}` });
    expect(rate.body.errors).toBeUndefined();
    const res = await ask('{ movie(id: "550") { scores { consensus critics audience users } } }');
    expect(res.body.errors).toBeUndefined();
    const audience = (88 * 2036608 + 84 * 30500) / (2036608 + 30500);
    const w = 0.2 / 11;
    // critics and audience can only come from the movies subgraph's externalRatings, passed by the gateway.
    expect(res.body.data.movie.scores).toEqual({
      critics: 72.5,
      audience: Math.round(audience * 10) / 10,
      users: 20,
      consensus: Math.round(((0.4 * 72.5 + 0.4 * audience + w * 20) / (0.8 + w)) * 10) / 10,
    });
    // The film's OMDb answer was cached: no new OMDb request.
    expect(stack.omdb!.requests).toHaveLength(1);
  });

  it('with OMDB_DAILY_LIMIT=3, the fourth distinct film answers its title with a coded error on its external ratings', async () => {
    for (const id of ['238', '680']) {
      const ok = await ask(`{ movie(id: "${id}") { title externalRatings { source } } }`);
      expect(ok.body.errors).toBeUndefined();
      expect(ok.body.data.movie.externalRatings[0].source).toBe('IMDB');
    }
    const fourth = await ask('{ movie(id: "155") { title externalRatings { source value score } scores { consensus } } }');
    expect(fourth.status).toBe(200);
    expect(fourth.body.data.movie).toEqual({ title: 'The Dark Knight', externalRatings: null, scores: { consensus: null } });
    expect(fourth.body.errors).toEqual([
      expect.objectContaining({
        path: ['movie', 'externalRatings'],
        extensions: expect.objectContaining({ code: 'QUOTA_EXCEEDED', source: 'OMDB', resetsAt: expect.any(String) }),
      }),
    ]);
    expect(stack.omdb!.requests).toHaveLength(3);
  });

  it("takes the day's snapshot of the films users follow or rated, within what is left of the quota", async () => {
    const follow = await ask('mutation { followMovie(movieId: "155") { following } }', { authorization: `Bearer ${token}` });
    expect(follow.body.errors).toBeUndefined();
    await stack.runSnapshot();
    const today = new Date().toISOString().slice(0, 10);
    const res = await ask(
      '{ a: movie(id: "550") { scoreHistory(days: 1) { date sources { source score } scores { consensus } } } b: movie(id: "155") { scoreHistory { date } } }',
    );
    expect(res.body.errors).toBeUndefined();
    // 550 was in the cache; 155 needed OMDb, whose quota is spent: it waits for the next run.
    expect(res.body.data.a.scoreHistory).toEqual([
      {
        date: today,
        sources: [
          { source: 'IMDB', score: 88 },
          { source: 'ROTTEN_TOMATOES', score: 79 },
          { source: 'METACRITIC', score: 66 },
          { source: 'TMDB', score: 84 },
        ],
        scores: { consensus: expect.any(Number) },
      },
    ]);
    expect(res.body.data.b.scoreHistory).toEqual([]);
    expect(stack.omdb!.requests).toHaveLength(3);
  });
});
