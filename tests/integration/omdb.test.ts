import Redis from 'ioredis';
import { startOmdbServer, type OmdbServer } from '../../local/omdb/server';
import { RedisCache } from '../../platform/cache';
import { createLogger } from '../../platform/logger';
import type { OmdbClient } from '../../platform/omdb/client';
import { createOmdbClient, omdbEnv } from '../../platform/omdb/config';
import { OmdbError } from '../../platform/omdb/errors';
import { z } from 'zod';
import { servers } from '../support/env';

/**
 * The OMDb client against the local stand-in and a real Redis: parsing, caching and coalescing,
 * the shared daily quota, stale copies when OMDb is down or the quota is spent, OMDb's errors.
 */
const logger = createLogger('omdb-test', 'silent');
let omdb: OmdbServer;
let redis: Redis;
const caches: RedisCache[] = [];
let keyCounter = 0;

const FILMS = ['tt0137523', 'tt0068646', 'tt0110912', 'tt0468569', 'tt1375666', 'tt0816692', 'tt0133093', 'tt6751668', 'tt0245429', 'tt0111161'];

/** A client as a replica would build it: its own process state, the shared Redis. Each test has its own OMDb key, so its own quota. */
function replica(env: Record<string, string> = {}, key = `test-key-${++keyCounter}`): OmdbClient {
  const cache = new RedisCache({ url: servers().redis, logger });
  caches.push(cache);
  const cfg = z.object(omdbEnv).parse({ OMDB_API_KEY: key, OMDB_BASE_URL: omdb.url, OMDB_TIMEOUT_MS: '500', OMDB_CIRCUIT_HALF_OPEN_MS: '60000', ...env });
  return createOmdbClient(cfg, { cache, logger })!;
}

const requestsFor = (id: string) => omdb.requests.filter((r) => r.imdbId === id).length;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  omdb = await startOmdbServer({ dailyLimit: 100_000 });
  redis = new Redis(servers().redis);
});

beforeEach(async () => {
  await redis.flushall();
  omdb.setFault(null);
  omdb.resetLog();
  // Redis connects in the background: let the new clients be ready before counting on the shared quota.
  await sleep(0);
});

afterAll(async () => {
  for (const c of caches) await c.close();
  redis?.disconnect();
  await omdb?.close();
});

async function ready(...clients: OmdbClient[]) {
  for (let i = 0; i < 50 && caches.some((c) => !c.healthy); i++) await sleep(20);
  return clients;
}

describe('OMDb client', () => {
  it('answers IMDb, Rotten Tomatoes and Metacritic for a catalogue film', async () => {
    const [client] = await ready(replica());
    expect(await client.rating('tt0137523')).toEqual({
      imdbId: 'tt0137523',
      title: 'Fight Club',
      ratings: [
        { source: 'IMDB', value: '8.8/10', score: 88, votes: 2036608 },
        { source: 'ROTTEN_TOMATOES', value: '79%', score: 79, votes: null },
        { source: 'METACRITIC', value: '66/100', score: 66, votes: null },
      ],
    });
  });

  it('makes one OMDb call per distinct film per TTL, however many concurrent requests and replicas ask', async () => {
    const [a, b] = await ready(replica({}, 'shared'), replica({}, 'shared'));
    // 20 concurrent requests for the same 10 films on one replica, as 20 pages would ask.
    const results = await Promise.all(Array.from({ length: 20 }, () => a.ratings(FILMS)));
    expect(results.flat().every((r) => !(r instanceof OmdbError))).toBe(true);
    expect(FILMS.map(requestsFor)).toEqual(FILMS.map(() => 1));
    // Another replica, once the answers are cached, asks OMDb nothing.
    await Promise.all(Array.from({ length: 10 }, () => b.ratings(FILMS)));
    expect(omdb.requests).toHaveLength(FILMS.length);
  });

  it('shares the daily quota between replicas through Redis, and refuses past it with a clear error', async () => {
    const [a, b] = await ready(replica({ OMDB_DAILY_LIMIT: '3' }, 'quota'), replica({ OMDB_DAILY_LIMIT: '3' }, 'quota'));
    await a.rating(FILMS[0]);
    await b.rating(FILMS[1]);
    await a.rating(FILMS[2]);
    const refused = await b.rating(FILMS[3]).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OmdbError);
    const err = refused as OmdbError;
    expect(err.kind).toBe('quota');
    const tomorrow = new Date();
    tomorrow.setUTCHours(24, 0, 0, 0);
    expect(err.toGraphQLError().extensions).toEqual({ code: 'QUOTA_EXCEEDED', source: 'OMDB', resetsAt: tomorrow.toISOString() });
    // The refused look-up never reached OMDb; cached films still answer.
    expect(omdb.requests).toHaveLength(3);
    expect((await b.rating(FILMS[0])).title).toBe('Fight Club');
    expect(omdb.requests).toHaveLength(3);
  });

  it("gives each caller a share of the day's quota", async () => {
    const [client] = await ready(replica({ OMDB_DAILY_LIMIT: '10', OMDB_CALLER_DAILY_LIMIT: '2' }));
    const alice = client.forRequest(20, 'user:alice');
    await alice.rating(FILMS[0]);
    await alice.rating(FILMS[1]);
    await expect(alice.forRequest(20, 'user:alice').rating(FILMS[2])).rejects.toMatchObject({ kind: 'quota', message: expect.stringMatching(/your share/) });
    expect((await client.forRequest(20, 'user:bob').rating(FILMS[2])).title).toBe('Pulp Fiction');
    expect(omdb.requests).toHaveLength(3);
  });

  it('serves a stale copy when the quota is spent', async () => {
    const [client] = await ready(replica({ OMDB_DAILY_LIMIT: '1', OMDB_CACHE_TTL_SECONDS: '1' }));
    const first = await client.rating(FILMS[0]);
    await sleep(1100);
    expect(await client.rating(FILMS[0])).toEqual(first);
    expect(omdb.requests).toHaveLength(1);
  });

  it('serves a stale copy while OMDb is down, after retrying; without one the error is UPSTREAM_UNAVAILABLE', async () => {
    const [client] = await ready(replica({ OMDB_CACHE_TTL_SECONDS: '1', OMDB_MAX_RETRIES: '2' }));
    const first = await client.rating(FILMS[0]);
    await sleep(1100);
    omdb.resetLog();
    omdb.setFault({ kind: 'status', status: 503 });
    expect(await client.rating(FILMS[0])).toEqual(first);
    expect(omdb.requests).toHaveLength(3);
    const [none] = await client.ratings([FILMS[1]]);
    expect(none).toBeInstanceOf(OmdbError);
    expect((none as OmdbError).toGraphQLError().extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
  });

  it('opens the circuit after consecutive outages, so a down OMDb is not asked again at once', async () => {
    const [client] = await ready(replica({ OMDB_MAX_RETRIES: '0', OMDB_CIRCUIT_THRESHOLD: '3' }));
    omdb.setFault({ kind: 'delay', ms: 2000 });
    for (const id of FILMS.slice(0, 3)) await expect(client.rating(id)).rejects.toMatchObject({ kind: 'unavailable' });
    omdb.setFault(null);
    omdb.resetLog();
    await expect(client.rating(FILMS[4])).rejects.toMatchObject({ kind: 'unavailable', message: 'OMDb circuit open' });
    expect(omdb.requests).toHaveLength(0);
  });

  it('retries a malformed answer, and never retries an error OMDb meant', async () => {
    const [client] = await ready(replica({ OMDB_MAX_RETRIES: '2' }));
    omdb.setFault({ kind: 'malformed', times: 1 });
    expect((await client.rating(FILMS[0])).title).toBe('Fight Club');
    expect(requestsFor(FILMS[0])).toBe(2);
    omdb.setFault({ kind: 'error', message: 'Error getting data.' });
    await expect(client.rating(FILMS[1])).rejects.toMatchObject({ kind: 'unavailable' });
    expect(requestsFor(FILMS[1])).toBe(1);
  });

  it("reads OMDb's error strings by meaning: a bad key, its own limit, an unknown id", async () => {
    const [client, other] = await ready(replica({}, 'omdb-limit'), replica({}, 'omdb-limit'));
    omdb.setFault({ kind: 'error', message: 'Invalid API key!', status: 401 });
    await expect(client.rating(FILMS[0])).rejects.toMatchObject({ kind: 'auth' });
    expect((await client.ratings([FILMS[0]]).then(([e]) => (e as OmdbError).toGraphQLError())).extensions?.code).toBe('UPSTREAM_AUTH');

    // OMDb's own limit (its count, not ours): every replica stops for the day, without asking OMDb.
    omdb.setFault({ kind: 'error', message: 'Daily request limit reached!', status: 200 });
    await expect(client.rating(FILMS[1])).rejects.toMatchObject({ kind: 'quota' });
    omdb.setFault(null);
    omdb.resetLog();
    await expect(other.rating(FILMS[2])).rejects.toMatchObject({ kind: 'quota' });
    expect(omdb.requests).toHaveLength(0);
  });

  it('remembers that OMDb does not know an id, so it is not asked again within the TTL', async () => {
    const [client] = await ready(replica());
    await expect(client.rating('tt0000001')).rejects.toMatchObject({ kind: 'not_found' });
    await expect(client.rating('tt0000001')).rejects.toMatchObject({ kind: 'not_found' });
    expect(requestsFor('tt0000001')).toBe(1);
  });

  it('turns an answer of N/A everywhere into no ratings, never into zeros', async () => {
    const [client] = await ready(replica());
    omdb.setAnswer('tt0137523', {
      Title: 'Fight Club',
      Year: '1999',
      Ratings: [],
      Metascore: 'N/A',
      imdbRating: 'N/A',
      imdbVotes: 'N/A',
      imdbID: 'tt0137523',
      Type: 'movie',
      Response: 'True',
    });
    try {
      expect(await client.rating('tt0137523')).toEqual({ imdbId: 'tt0137523', title: 'Fight Club', ratings: [] });
    } finally {
      omdb.setAnswer('tt0137523', null);
    }
  });

  it('bounds the distinct look-ups of one request', async () => {
    const [client] = await ready(replica());
    const view = client.forRequest(3);
    const results = await view.ratings(FILMS.slice(0, 5));
    expect(results.filter((r) => r instanceof OmdbError && r.kind === 'fetch_limit')).toHaveLength(2);
    expect(omdb.requests).toHaveLength(3);
  });
});
