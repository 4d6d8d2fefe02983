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
let other: { proc: ManagedProcess; url: string };

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

    await new Promise((r) => setTimeout(r, 1500));
    for (const url of gateways) {
      const after = await summaries(url);
      expect(after.map((m) => m.ratingSummary)).toEqual(FILMS.map((f) => expected(truth.get(f)!)));
      expect(after[2].followerCount).toBe(4);
    }
    // The figures are not trivially the same: counts of 20, 14 and 20.
    expect(FILMS.map((f) => truth.get(f)!.size)).toEqual([20, 14, 20]);
  });
});
