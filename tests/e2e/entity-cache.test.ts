import http from 'node:http';
import path from 'node:path';
import { startStack, type Stack } from '../../local/stack';
import type { ManagedProcess } from '../../local/processes';
import { makeToken } from '../../scripts/token';
import { startExtraGateway } from '../support/extra-gateway';
import { freshTables, servers, stackEnv } from '../support/env';
import { postGraphQL } from '../support/graphql';

/**
 * Read-after-write for everyone (issue #19), over HTTP on the real stack and one redis-server:
 * two gateway processes warm their caches (response cache and subgraph cache) with the films'
 * summaries, 20 users rate, re-rate, unrate, follow and unfollow through both, and an anonymous
 * read 1.5 s after the last write sees the exact figures in both replicas: the relay's events
 * invalidated what both had kept.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const LOGS = path.join(ROOT, 'test-artifacts', 'entity-cache-logs');
const FILMS = ['550', '680', '603'];
const SUMMARIES = `query Summaries($ids: [ID!]!) { movies(ids: $ids) { id followerCount ratingSummary { count average } } }`;

let stack: Stack;
let other: { proc: ManagedProcess; url: string; metricsUrl: string };

beforeAll(async () => {
  stack = await startStack({ randomPorts: true, env: stackEnv({ REDIS_URL: servers().redis, ...(await freshTables()) }), logDir: LOGS });
  other = await startExtraGateway(stack, 'gateway-b', {}, LOGS);
}, 120_000);

afterAll(async () => {
  await other?.proc.stop();
  await stack?.stop();
});

interface Summary {
  id: string;
  followerCount: number | null;
  ratingSummary: { count: number; average: number | null };
}

async function summaries(url: string): Promise<Summary[]> {
  const res = await postGraphQL<{ movies: Summary[] }>(url, SUMMARIES, { ids: FILMS });
  expect(res.status).toBe(200);
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.movies;
}

async function send(url: string, token: string, query: string, variables: Record<string, unknown>): Promise<void> {
  const res = await postGraphQL(url, query, variables, { authorization: `Bearer ${token}` });
  expect(res.body.errors).toBeUndefined();
  expect(res.status).toBe(200);
}
const RATE = 'mutation Rate($id: ID!, $score: Float!) { rateMovie(input: { movieId: $id, score: $score }) { rating { score } } }';
const UNRATE = 'mutation Unrate($id: ID!) { deleteRating(movieId: $id) { deleted } }';
const FOLLOW = 'mutation Follow($id: ID!) { followMovie(movieId: $id) { following } }';
const UNFOLLOW = 'mutation Unfollow($id: ID!) { unfollowMovie(movieId: $id) { following } }';

/** The sum of a metric's samples whose labels include `labels` (`a="b"` each), in a Prometheus text page. */
function sample(text: string, name: string, ...labels: string[]): number {
  return [...text.matchAll(new RegExp(`^${name}\\{([^}]*)\\} ([0-9.e+]+)$`, 'gm'))]
    .filter((m) => labels.every((l) => m[1].split(',').includes(l)))
    .reduce((sum, m) => sum + Number(m[2]), 0);
}

/** The summary the ratings subgraph computes (average rounded to 2 decimals). */
function expected(scores: Map<string, number>): { count: number; average: number | null } {
  const all = [...scores.values()];
  if (all.length === 0) return { count: 0, average: null };
  return { count: all.length, average: Math.round((all.reduce((a, b) => a + b, 0) / all.length) * 100) / 100 };
}

describe('the entity cache, invalidated by events', () => {
  it('shows every write to an anonymous reader of either replica 1.5 s later', async () => {
    const gateways = [stack.gatewayUrl, other.url];
    // Warm: both replicas keep the empty summaries (read twice: the second is a cache hit).
    for (const url of gateways) {
      for (let i = 0; i < 2; i++) {
        const warm = await summaries(url);
        expect(warm.map((m) => m.ratingSummary)).toEqual(FILMS.map(() => ({ count: 0, average: null })));
      }
    }

    const users = await Promise.all(Array.from({ length: 20 }, (_, i) => makeToken(`ec-user-${i}`, stack.env.JWT_SECRET)));
    const truth = new Map(FILMS.map((f) => [f, new Map<string, number>()]));
    const score = (u: number, f: number, round: number) => ((u * 7 + f * 3 + round * 5) % 20) / 2 + 0.5;
    const via = (u: number) => gateways[u % 2];

    // Anonymous readers keep both replicas' caches filled while the writes go on, so that entries
    // kept between two writes must be invalidated by the later one's event.
    let writing = true;
    const readers = gateways.map(async (url) => {
      while (writing) {
        await summaries(url);
        await new Promise((r) => setTimeout(r, 50));
      }
    });

    // 20 users rate the three films concurrently, each through one of the replicas.
    await Promise.all(
      users.flatMap((token, u) =>
        FILMS.map(async (film, f) => {
          await send(via(u), token, RATE, { id: film, score: score(u, f, 0) });
          truth.get(film)!.set(`u${u}`, score(u, f, 0));
        }),
      ),
    );
    // Then some change their minds, some take theirs back, some follow and unfollow.
    await Promise.all([
      ...users.slice(0, 8).map(async (token, u) => {
        await send(via(u + 1), token, RATE, { id: FILMS[0], score: score(u, 0, 1) });
        truth.get(FILMS[0])!.set(`u${u}`, score(u, 0, 1));
      }),
      ...users.slice(8, 14).map(async (token, i) => {
        await send(via(i), token, UNRATE, { id: FILMS[1] });
        truth.get(FILMS[1])!.delete(`u${i + 8}`);
      }),
      ...users.slice(14, 19).map((token, i) => send(via(i), token, FOLLOW, { id: FILMS[2] })),
    ]);
    await send(via(1), users[14], UNFOLLOW, { id: FILMS[2] });
    writing = false;
    await Promise.all(readers);
    // A last read right after the writes: it may still be stale (and keeps that answer cached).
    await summaries(stack.gatewayUrl);

    await new Promise((r) => setTimeout(r, 1500));
    for (const url of gateways) {
      const after = await summaries(url);
      expect(after.map((m) => m.ratingSummary)).toEqual(FILMS.map((f) => expected(truth.get(f)!)));
      expect(after[2].followerCount).toBe(4);
    }
    // The figures are not trivially the same: counts of 20, 14 and 20.
    expect(FILMS.map((f) => truth.get(f)!.size)).toEqual([20, 14, 20]);

    // Each replica hears every event (60 ratings, 8 changes, 6 removals, 5 follows, 1 unfollow),
    // with its lag from the commit; cached responses were found stale.
    for (const url of [stack.metricsUrls.gateway, other.metricsUrl]) {
      let text = '';
      for (let i = 0; i < 100; i++) {
        text = await fetch(url).then((r) => r.text());
        if (sample(text, 'marquee_gateway_cache_invalidations_total', 'source="event"') >= 80) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(sample(text, 'marquee_gateway_cache_invalidations_total', 'source="event"')).toBeGreaterThanOrEqual(80);
      expect(sample(text, 'marquee_gateway_cache_invalidation_lag_seconds_count', 'source="event"')).toBeGreaterThanOrEqual(80);
      expect(sample(text, 'marquee_gateway_response_cache_total', 'result="stale"')).toBeGreaterThan(0);
    }
  });

  it('says in development, when asked, which fetches came from cache', async () => {
    const token = await makeToken('ec-tracer', stack.env.JWT_SECRET);
    const query = 'query Viewer($ids: [ID!]!) { movies(ids: $ids) { id title viewerRating { score } } }';
    const ask = (trace: boolean) =>
      postGraphQL(stack.gatewayUrl, query, { ids: ['550'] }, { authorization: `Bearer ${token}`, ...(trace ? { 'x-marquee-cache-trace': '1' } : {}) });
    const plain = await ask(false);
    expect(plain.body.errors).toBeUndefined();
    expect(plain.body).not.toHaveProperty('extensions');
    const traced = await ask(true);
    // The film from the cache, the viewer's rating (private) from the subgraph; never the response cache.
    expect((traced.body as { extensions?: unknown }).extensions).toEqual({
      cache: {
        response: 'miss',
        fetches: [
          { subgraph: 'movies', from: 'cache' },
          { subgraph: 'ratings', from: 'subgraph' },
        ],
      },
    });
    expect(traced.body.data).toEqual(plain.body.data);
  });

  it('fetches only the films not kept, answers as without the cache, and after a rating refetches only that film', async () => {
    const proxy = await representationsProxy(stack.urls.ratings);
    const split = await startExtraGateway(stack, 'gateway-split', { RATINGS_URL: proxy.url }, LOGS);
    const uncached = await startExtraGateway(stack, 'gateway-uncached', { SUBGRAPH_CACHE: 'off' }, LOGS);
    try {
      const query = 'query Films($ids: [ID!]!) { movies(ids: $ids) { id title ratingSummary { count average } } }';
      const raw = async (url: string, ids: string[], headers: Record<string, string> = {}) => {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify({ query, variables: { ids } }),
        });
        expect(res.status).toBe(200);
        return res.text();
      };
      const some = ['13', '278'];
      const all = ['13', '155', '278', '238', '424'];
      await raw(split.url, some);
      expect(proxy.take()).toEqual([some]);

      // Two of the five kept: only the other three go to the subgraph, in the page's order.
      const mixed = await raw(split.url, all);
      expect(proxy.take()).toEqual([['155', '238', '424']]);
      const plain = await raw(uncached.url, all);
      expect(mixed).toBe(plain);
      expect(JSON.parse(mixed)).not.toHaveProperty('errors');

      // The trace says how many of a fetch's entities came from the cache.
      const traced = JSON.parse(await raw(split.url, [...all, '122'], { 'x-marquee-cache-trace': '1' })) as { extensions: { cache: { fetches: unknown[] } } };
      expect(traced.extensions.cache.fetches).toContainEqual({ subgraph: 'ratings', from: 'subgraph', entities: { cached: 5, fetched: 1 } });
      expect(proxy.take()).toEqual([['122']]);

      // A rating for one film: its entry is unreachable once the event is heard, the others stay.
      const token = await makeToken('ec-split', stack.env.JWT_SECRET);
      const rated = Date.now();
      await send(stack.gatewayUrl, token, RATE, { id: '155', score: 7 });
      let after = '';
      for (;;) {
        after = await raw(split.url, all);
        const films = (JSON.parse(after) as { data: { movies: Summary[] } }).data.movies;
        if (films[1].ratingSummary.count === 1) break;
        expect(Date.now() - rated).toBeLessThan(1500);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(proxy.take()).toEqual([['155']]);
      expect(after).toBe(await raw(uncached.url, all));
    } finally {
      await split.proc.stop();
      await uncached.proc.stop();
      await proxy.close();
    }
  });
});

/**
 * A proxy in front of a subgraph that records the ids of the representations of every entity
 * operation it passes on (each operation of a batch on its own), and passes answers on untouched.
 */
async function representationsProxy(target: string): Promise<{ url: string; take(): string[][]; close(): Promise<void> }> {
  let seen: string[][] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on(
      'end',
      () =>
        void (async () => {
          try {
            if (req.method === 'POST') {
              const parsed = JSON.parse(body) as
                { variables?: { representations?: { id: string }[] } } | { variables?: { representations?: { id: string }[] } }[];
              for (const op of Array.isArray(parsed) ? parsed : [parsed]) {
                const reps = op.variables?.representations;
                if (Array.isArray(reps)) seen.push(reps.map((r) => r.id));
              }
            }
            const headers: Record<string, string> = {};
            for (const [k, v] of Object.entries(req.headers))
              if (typeof v === 'string' && !['host', 'content-length', 'connection'].includes(k)) headers[k] = v;
            const upstream = await fetch(target, { method: req.method, headers, body: req.method === 'POST' ? body : undefined });
            const passOn: Record<string, string> = { 'content-type': upstream.headers.get('content-type') ?? 'application/json' };
            const cc = upstream.headers.get('cache-control');
            if (cc) passOn['cache-control'] = cc;
            res.writeHead(upstream.status, passOn);
            res.end(await upstream.text());
          } catch (err) {
            res.writeHead(502);
            res.end(String(err));
          }
        })(),
    );
  });
  // Above the gateway's keep-alive idle time, as the subgraphs (platform/kit/server.ts).
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}${new URL(target).pathname}`,
    take: () => {
      const out = seen;
      seen = [];
      return out;
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}
