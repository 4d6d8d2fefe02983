import Redis from 'ioredis';
import { startTmdbServer, type TmdbServer } from '../../local/tmdb/server';
import { RedisCache } from '../../platform/cache';
import { createLogger } from '../../platform/logger';
import { createTmdbClient } from '../../platform/tmdb/create-client';
import { TmdbError } from '../../platform/tmdb/errors';
import { servers } from '../support/env';

/**
 * Two "replicas" (two clients, two Redis connections) share one budget of 10 requests/s:
 * measured at the TMDB server, no one-second window ever holds more than 10 calls.
 */
let tmdb: TmdbServer;
const log = createLogger('budget-test', 'silent');

beforeAll(async () => {
  tmdb = await startTmdbServer({ port: 0, accessToken: 'budget-token' });
  const r = new Redis(servers().redis);
  await r.flushall();
  r.disconnect();
});
afterAll(() => tmdb.close());

function replica(maxWaitMs = 20_000) {
  const cache = new RedisCache({ url: servers().redis, logger: log });
  const client = createTmdbClient(
    {
      TMDB_BASE_URL: tmdb.url,
      TMDB_ACCESS_TOKEN: 'budget-token',
      TMDB_TIMEOUT_MS: 2000,
      TMDB_MAX_RETRIES: 0,
      TMDB_RATE_LIMIT: 10,
      TMDB_NOT_FOUND_TTL_SECONDS: 300,
      TMDB_STALE_WHILE_REVALIDATE_SECONDS: 3600,
      TMDB_MAX_FETCHES_PER_REQUEST: 100,
      TMDB_CALLER_SHARE: 1,
      TMDB_BUDGET_MAX_WAIT_MS: maxWaitMs,
      TMDB_BUDGET_MAX_QUEUE: 100,
      TMDB_CIRCUIT_THRESHOLD: 5,
      TMDB_CIRCUIT_HALF_OPEN_MS: 5000,
    },
    { cache, logger: log },
  );
  return { client, cache };
}

it('holds the rate across replicas under a burst', async () => {
  const a = replica();
  const b = replica();
  await new Promise((r) => setTimeout(r, 200)); // connections ready
  tmdb.resetLog();
  const pages = Array.from({ length: 30 }, (_, i) => i + 1);
  await Promise.all(pages.map((p) => (p % 2 ? a : b).client.popular(p)));
  const times = tmdb.requests.map((r) => r.at).sort((x, y) => x - y);
  expect(times).toHaveLength(30);
  let worst = 0;
  for (let i = 0; i < times.length; i++) {
    const inWindow = times.filter((t) => t >= times[i] && t < times[i] + 1000).length;
    worst = Math.max(worst, inWindow);
  }
  expect(worst).toBeLessThanOrEqual(10);
  // 30 calls at 9/s after a burst of 1 take over two seconds: the budget really waited.
  expect(times[times.length - 1] - times[0]).toBeGreaterThan(2000);
  await Promise.all([a.cache.close(), b.cache.close()]);
}, 60_000);

it('fails clearly when the wait would be too long', async () => {
  const c = replica(300);
  await new Promise((r) => setTimeout(r, 200));
  const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => c.client.topRated(i + 1)));
  const refused = results.filter((r) => r.status === 'rejected').map((r) => r.reason);
  expect(refused.length).toBeGreaterThan(0);
  for (const err of refused) {
    expect(err).toBeInstanceOf(TmdbError);
    expect((err as TmdbError).toGraphQLError().extensions.code).toBe('RATE_LIMITED');
  }
  await c.cache.close();
}, 60_000);
