import { startStack, type Stack } from '../../local/stack';
import { makeToken } from '../../scripts/token';
import { postGraphQL } from './graphql';
import { freshTables, servers, stackEnv } from './env';

/** What the live (subscription) end-to-end files share: a stack on a Redis database of their own, users, and the writes that cause events. */
export const LIVE_QUERIES = {
  notifications: 'subscription Live { notificationReceived { id kind score actor { id } movie { id title ratingSummary { count } } } }',
  activity: 'subscription Activity($id: ID!) { movieActivity(movieId: $id) { kind movie { id ratingSummary { average count } followerCount } } }',
};

export interface LiveStack {
  stack: Stack;
  tokens: Record<string, string>;
  rate: (user: string, movieId: string, score: number, url?: string) => Promise<void>;
  follow: (user: string, movieId: string) => Promise<void>;
}

/**
 * The stack's processes with the relay polling fast and no coalescing (one notification per
 * rating). `redisDb`: the stream's entries outlive other files' stacks, so each file has its own.
 */
export async function startLiveStack(redisDb: number, logDir: string, extra: Record<string, string> = {}): Promise<LiveStack> {
  const REDIS_URL = `${servers().redis.replace(/\/\d*$/, '')}/${redisDb}`;
  const stack = await startStack({
    randomPorts: true,
    env: stackEnv({ ...(await freshTables()), REDIS_URL, RELAY_POLL_MS: '100', NOTIFICATION_COALESCE_WINDOW_SECONDS: '0', ...extra }),
    logDir,
  });
  const tokens: Record<string, string> = {};
  for (const u of ['alice', 'bob', 'carol']) tokens[u] = await makeToken(u, stack.env.JWT_SECRET);
  const gql = (user: string, query: string, variables: Record<string, unknown>, url = stack.gatewayUrl) =>
    postGraphQL(url, query, variables, { authorization: `Bearer ${tokens[user]}` });
  const ok = (res: Awaited<ReturnType<typeof gql>>) => {
    if (res.body.errors) throw new Error(`write failed: ${JSON.stringify(res.body.errors)}`);
  };
  return {
    stack,
    tokens,
    rate: async (user, movieId, score, url) =>
      ok(
        await gql(user, 'mutation ($m: ID!, $s: Float!) { rateMovie(input: { movieId: $m, score: $s }) { rating { score } } }', { m: movieId, s: score }, url),
      ),
    follow: async (user, movieId) => ok(await gql(user, 'mutation ($m: ID!) { followMovie(movieId: $m) { following } }', { m: movieId })),
  };
}

/** Waits for a condition on what a client received (polling; fails with `what`). */
export async function until(check: () => boolean, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
