import Redis from 'ioredis';
import { startTmdbServer, type TmdbServer } from '../../local/tmdb/server';
import { RedisCache } from '../../platform/cache';
import { createLogger } from '../../platform/logger';
import { TmdbCache, type CacheEnvelope } from '../../platform/tmdb/cache-entries';
import { TmdbClient } from '../../platform/tmdb/client';
import { servers } from '../support/env';

/**
 * Stale-while-revalidate in the TMDB cache, against the local TMDB server and the shared
 * redis-server: a copy only recently stale is answered while TMDB is still being asked (the copy
 * in Redis is still stale when the answer arrives, and fresh afterwards); a staler one waits for
 * TMDB. The answers' timing is never measured: only what is in Redis before and after.
 */
let tmdb: TmdbServer;
let redis: Redis;
let cache: RedisCache;
const log = createLogger('tmdb-revalidate-test', 'silent');
const language = `t${Math.random().toString(36).slice(2, 6)}`;
/** The cache's own key scheme (a TmdbCache over the test's RedisCache, set in beforeAll). */
let keys: TmdbCache;

beforeAll(async () => {
  tmdb = await startTmdbServer({ port: 0 });
  redis = new Redis(servers().redis);
  cache = new RedisCache({ url: servers().redis, logger: log });
  // Not a client of its own (one to an unused host would reconnect until the process ends).
  keys = new TmdbCache(cache, language);
  await new Promise((r) => setTimeout(r, 100));
});
afterAll(async () => {
  await tmdb.close();
  redis.disconnect();
  await cache.close();
});

function client(staleWhileRevalidateSeconds: number): TmdbClient {
  return new TmdbClient({
    baseUrl: tmdb.url,
    accessToken: 't',
    language,
    timeoutMs: 5000,
    maxRetries: 0,
    maxRetryAfterMs: 0,
    cache,
    logger: log,
    staleWhileRevalidateSeconds,
  });
}

async function envelope(resource: string): Promise<CacheEnvelope<unknown>> {
  return JSON.parse((await redis.get(keys.key(resource)))!) as CacheEnvelope<unknown>;
}
/** Makes the kept copy `seconds` past its freshness. */
async function age(resource: string, seconds: number): Promise<void> {
  const e = await envelope(resource);
  await redis.set(keys.key(resource), JSON.stringify({ ...e, f: Date.now() - seconds * 1000 }), 'KEEPTTL');
}
async function until(what: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await what()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('never happened');
}
const fresh = async (resource: string) => (await envelope(resource)).f > Date.now();

describe('TMDB stale-while-revalidate', () => {
  it('answers a recently stale list at once and refreshes it behind the answer; a staler one waits for TMDB', async () => {
    const c = client(60);
    const first = await c.popular(1);
    const list = '/movie/popular?page=1';
    await age(list, 10);
    tmdb.resetLog();
    // Long enough that a loaded machine still reads Redis before TMDB answers.
    tmdb.setFault({ kind: 'delay', ms: 3000, times: 1 });
    expect(await c.popular(1)).toEqual(first);
    // Answered from the stale copy: the refresh is still on its way.
    expect(await fresh(list)).toBe(false);
    await until(() => fresh(list));
    expect(tmdb.requests.map((r) => r.path)).toEqual(['/3/movie/popular']);

    // Past the window: the answer waits for TMDB, and the copy is fresh when it arrives.
    await age(list, 120);
    tmdb.setFault({ kind: 'delay', ms: 300, times: 1 });
    expect(await c.popular(1)).toEqual(first);
    expect(await fresh(list)).toBe(true);
  });

  it('keeps answering the stale copy when the background refresh fails, and films revalidate like lists', async () => {
    const c = client(60);
    const [film] = await c.movies([{ id: '550', blocks: [] }]);
    expect(film).toMatchObject({ detail: { id: 550 } });
    const base = '/movie/550#base';
    await age(base, 10);
    tmdb.resetLog();
    tmdb.setFault({ kind: 'status', status: 500, times: 5 });
    expect(await c.movies([{ id: '550', blocks: [] }])).toEqual([film]);
    await until(async () => tmdb.requests.length > 0);
    await new Promise((r) => setTimeout(r, 200));
    expect(await fresh(base)).toBe(false);
    tmdb.setFault(null);
    expect(await c.movies([{ id: '550', blocks: [] }])).toEqual([film]);
    await until(() => fresh(base));
  });

  it('waits for TMDB on a stale copy with the window at 0, as before', async () => {
    const c = client(0);
    await c.popular(2);
    const list = '/movie/popular?page=2';
    await age(list, 10);
    tmdb.setFault({ kind: 'delay', ms: 300, times: 1 });
    await c.popular(2);
    expect(await fresh(list)).toBe(true);
  });
});
