import path from 'node:path';
import Redis from 'ioredis';
import { startStack, type Stack } from '../../local/stack';
import { findFreePort, spawnManaged, waitFor, type ManagedProcess } from '../../local/processes';
import { makeToken } from '../../scripts/token';
import { postGraphQL } from '../support/graphql';
import { freshTables, metricsUrlFor, servers, stackEnv } from '../support/env';

/**
 * The gateway's cache of public subgraph answers, over HTTP, on the real subgraphs and the
 * shared redis-server: a film page with viewer fields (never in the response cache) gets its
 * public fetches from the cache and its viewer fetch from the subgraph, and a second gateway
 * replica takes what the first one kept in Redis.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const LOGS = path.join(ROOT, 'test-artifacts', 'subgraph-cache-logs');
const DETAIL = `query Detail($id: ID!) { movie(id: $id) { id title overview viewerRating { score } ratingSummary { count }
  recommendations { results { id title ratingSummary { count average } } } } }`;

let stack: Stack;
let redis: Redis;
const extra: ManagedProcess[] = [];

beforeAll(async () => {
  stack = await startStack({ randomPorts: true, env: stackEnv({ REDIS_URL: servers().redis, ...(await freshTables()) }), logDir: LOGS });
  redis = new Redis(servers().redis);
}, 120_000);

afterAll(async () => {
  for (const p of extra) await p.stop();
  await stack?.stop();
  redis?.disconnect();
});

/** The other gateways' metrics endpoints, by their GraphQL URL. */
const extraMetrics = new Map<string, string>();

/** Another gateway process over the same subgraphs and Redis. */
async function startGateway(env: Record<string, string>): Promise<string> {
  const port = await findFreePort();
  const metricsPort = await findFreePort();
  const proc = spawnManaged(process.execPath, ['--import', 'tsx', path.join(ROOT, 'gateway', 'main.ts')], {
    name: 'gateway',
    env: { ...stack.env, GATEWAY_PORT: String(port), METRICS_PORT: String(metricsPort), ...env },
    logFile: path.join(LOGS, `gateway-${port}.log`),
  });
  extra.push(proc);
  const url = `http://127.0.0.1:${port}/graphql`;
  extraMetrics.set(url, `http://127.0.0.1:${metricsPort}/metrics`);
  await waitFor(
    () =>
      fetch(url.replace('/graphql', '/health')).then(
        (r) => r.ok,
        () => false,
      ),
    { timeoutMs: 60_000, what: 'second gateway', failFast: proc.exited },
  );
  return url;
}

/** Sum of a metric's series (whose labels include `labels`) at a gateway. */
async function metric(gatewayUrl: string, name: string, labels: string): Promise<number> {
  const text = await fetch(extraMetrics.get(gatewayUrl) ?? metricsUrlFor(stack, gatewayUrl)).then((r) => r.text());
  return [...text.matchAll(new RegExp(`^${name}\\{([^}]*)\\} ([0-9.e+]+)$`, 'gm'))]
    .filter((m) =>
      labels
        .split(',')
        .filter(Boolean)
        .every((l) => m[1].split(',').includes(l)),
    )
    .reduce((sum, m) => sum + Number(m[2]), 0);
}
const fetches = (url: string, subgraph: string) => metric(url, 'marquee_gateway_subgraph_fetch_seconds_count', `subgraph="${subgraph}"`);
const cache = (url: string, subgraph: string, result: 'hit' | 'miss') =>
  metric(url, 'marquee_gateway_subgraph_cache_total', `subgraph="${subgraph}",result="${result}"`);

/** Operations a subgraph ran (a batch counts each of its operations). */
const operations = (subgraph: 'movies' | 'ratings') => metric(stack.urls[subgraph], 'marquee_subgraph_request_duration_seconds_count', '');

async function detail(url: string, id: string, token: string) {
  const res = await postGraphQL(url, DETAIL, { id }, { authorization: `Bearer ${token}` });
  expect(res.status).toBe(200);
  expect(res.body.errors).toBeUndefined();
  return res.body.data.movie;
}

describe('the subgraph cache', () => {
  it('serves the public fetches of a viewer page from the cache, and the viewer fields fresh', async () => {
    const gw = stack.gatewayUrl;
    const token = await makeToken('sc-viewer', stack.env.JWT_SECRET);
    const first = await detail(gw, '603', token);
    expect(first.title).toBe('The Matrix');
    expect(first.viewerRating).toBeNull();
    expect(first.recommendations.results.length).toBeGreaterThan(0);

    const rated = await postGraphQL(
      gw,
      'mutation { rateMovie(input: { movieId: "603", score: 8 }) { rating { score } } }',
      {},
      { authorization: `Bearer ${token}` },
    );
    expect(rated.body.errors).toBeUndefined();

    let movies0 = await fetches(gw, 'movies');
    let ratingsOps0 = await operations('ratings');
    const hits0 = await cache(gw, 'movies', 'hit');
    const second = await detail(gw, '603', token);
    // The movies subgraph was not asked: its fetch came from the cache.
    expect((await fetches(gw, 'movies')) - movies0).toBe(0);
    expect((await cache(gw, 'movies', 'hit')) - hits0).toBe(1);
    // The viewer fields show the write made in between; everything else is the same answer.
    expect(second.viewerRating).toEqual({ score: 8 });
    expect(second.ratingSummary).toEqual({ count: 1 });
    expect({ ...second, viewerRating: null, ratingSummary: null }).toEqual({ ...first, viewerRating: null, ratingSummary: null });
    // The writer reads ratings past the cache for a while (read-your-own-writes): both operations ran.
    expect((await operations('ratings')) - ratingsOps0).toBe(2);

    // Someone else: ratings runs only the viewer's operation. The recommendations' public
    // summaries, batched with it, were cached by their own hint.
    const other = await makeToken('sc-other', stack.env.JWT_SECRET);
    movies0 = await fetches(gw, 'movies');
    ratingsOps0 = await operations('ratings');
    const ratings0 = await fetches(gw, 'ratings');
    const third = await detail(gw, '603', other);
    expect((await fetches(gw, 'movies')) - movies0).toBe(0);
    expect((await fetches(gw, 'ratings')) - ratings0).toBe(1);
    expect((await operations('ratings')) - ratingsOps0).toBe(1);
    expect(third).toEqual({ ...second, viewerRating: null });
  });

  it('gives a second gateway replica what the first one keeps in Redis', async () => {
    const token = await makeToken('sc-replica', stack.env.JWT_SECRET);
    const fromFirst = await detail(stack.gatewayUrl, '550', token);
    const replica = await startGateway({});
    const fromReplica = await detail(replica, '550', token);
    expect(fromReplica).toEqual(fromFirst);
    // Its first request, and yet the movies subgraph was not asked: Redis had the answer.
    expect(await fetches(replica, 'movies')).toBe(0);
    expect(await cache(replica, 'movies', 'hit')).toBe(1);
    expect(await fetches(replica, 'ratings')).toBe(1);
  });

  it('keeps nothing with SUBGRAPH_CACHE=off', async () => {
    const token = await makeToken('sc-off', stack.env.JWT_SECRET);
    const off = await startGateway({ SUBGRAPH_CACHE: 'off' });
    const keys = async () => (await redis.keys('marquee:sc:*')).length;
    const before = await keys();
    const a = await detail(off, '680', token);
    const b = await detail(off, '680', token);
    expect(b).toEqual(a);
    // Each page asked movies and ratings (two ratings fetches in one batch) itself, both times.
    expect(await fetches(off, 'movies')).toBe(2);
    expect(await fetches(off, 'ratings')).toBe(2);
    expect(await metric(off, 'marquee_gateway_subgraph_cache_total', '')).toBe(0);
    expect(await keys()).toBe(before);
  });
});
