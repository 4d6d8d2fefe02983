import path from 'node:path';
import { createClient, type Client, type ExecutionResult, type SubscribePayload } from 'graphql-ws';
import WebSocket from 'ws';
import { callSubgraph } from '../support/graphql';
import { LIVE_QUERIES, startLiveStack, until, type LiveStack } from '../support/live';

/**
 * Subscriptions over GraphQL-over-WebSocket (graphql-ws, subprotocol graphql-transport-ws) on
 * /graphql, with the real graphql-ws client against the stack's processes.
 */
const LOGS = path.resolve(__dirname, '..', '..', 'test-artifacts', 'live-ws');
let live: LiveStack;
const clients: Client[] = [];

const { notifications: NOTIFICATIONS, activity: ACTIVITY } = LIVE_QUERIES;

const wsUrl = () => live.stack.gatewayUrl.replace(/^http/, 'ws');

function client(connectionParams?: Record<string, unknown>, retryAttempts = 0): Client {
  const c = createClient({
    url: wsUrl(),
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts,
    retryWait: () => new Promise((r) => setTimeout(r, 200)),
    lazy: true,
  });
  clients.push(c);
  return c;
}
const as = (user: string) => client({ authorization: `Bearer ${live.tokens[user]}` });

type Result = ExecutionResult<Record<string, any>, { eventId?: string }>;

function collect(c: Client, payload: { -readonly [K in keyof SubscribePayload]: SubscribePayload[K] }) {
  const results: Result[] = [];
  let stop!: () => void;
  const done = new Promise<void>((resolve, reject) => {
    stop = c.subscribe(payload, {
      next: (r) => {
        results.push(r as Result);
        // Resume: graphql-ws sends this very payload again when it reconnects.
        const id = (r as Result).extensions?.eventId;
        if (id) payload.extensions = { ...payload.extensions, lastEventId: id };
      },
      error: reject,
      complete: resolve,
    });
  });
  done.catch(() => {});
  return { results, done, stop };
}

/** The subscription is registered once the server acknowledged the connection and had a moment to prepare it. */
const settle = () => new Promise((r) => setTimeout(r, 700));

beforeAll(async () => {
  live = await startLiveStack(7, LOGS);
}, 180_000);

afterAll(async () => {
  for (const c of clients) await c.dispose();
  await live?.stack.stop();
});

test('authenticated in connection_init: a follower gets one event per rating, in order; the author none', async () => {
  await live.follow('alice', '603');
  await live.follow('alice', '550');
  await live.follow('bob', '603');
  const alice = collect(as('alice'), { query: NOTIFICATIONS });
  const bob = collect(as('bob'), { query: NOTIFICATIONS });
  await settle();
  await live.rate('bob', '603', 8);
  await live.rate('carol', '550', 6.5);
  await until(() => alice.results.length >= 2, 'alice’s notifications');
  await new Promise((r) => setTimeout(r, 1000));
  expect(alice.results.map((r) => [r.data!.notificationReceived.actor.id, r.data!.notificationReceived.movie.id, r.data!.notificationReceived.score])).toEqual([
    ['bob', '603', 8],
    ['carol', '550', 6.5],
  ]);
  expect(alice.results[0].data!.notificationReceived.movie).toMatchObject({ title: 'The Matrix', ratingSummary: { count: 1 } });
  expect(bob.results).toEqual([]);
  alice.stop();
  bob.stop();
}, 60_000);

test('anonymous movieActivity, and a query over the same socket', async () => {
  const c = client();
  const watcher = collect(c, { query: ACTIVITY, variables: { id: '680' } });
  await settle();
  await live.follow('carol', '680');
  await until(() => watcher.results.length >= 1, 'the follow activity');
  expect(watcher.results[0].data!.movieActivity).toEqual({
    kind: 'FOLLOWER_COUNT_CHANGED',
    movie: { id: '680', ratingSummary: { average: null, count: 0 }, followerCount: 1 },
  });
  const query = collect(c, { query: '{ movie(id: "680") { title followerCount } }' });
  await query.done;
  expect(query.results.map((r) => r.data)).toEqual([{ movie: { title: expect.any(String), followerCount: 1 } }]);
  watcher.stop();
}, 60_000);

test('refusals: a bad token closes with 4401; anonymous notificationReceived is an error with its code', async () => {
  const bad = collect(client({ authorization: 'Bearer not.a.token' }), { query: ACTIVITY, variables: { id: '1' } });
  await expect(bad.done).rejects.toMatchObject({ code: 4401, reason: expect.stringMatching(/^UNAUTHENTICATED/) });
  const anonymous = collect(client(), { query: NOTIFICATIONS });
  await expect(anonymous.done).rejects.toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'UNAUTHENTICATED' }) })]);
}, 30_000);

test('a gateway restart closes with 1012; the client reconnects and resumes from extensions.lastEventId, nothing lost', async () => {
  await live.follow('carol', '278');
  const c = createClient({
    url: wsUrl(),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${live.tokens.carol}` },
    retryAttempts: 100,
    retryWait: () => new Promise((r) => setTimeout(r, 300)),
    // While the gateway is down, connecting fails with an error event, not a close: retry those too (docs/live.md).
    shouldRetry: () => true,
  });
  clients.push(c);
  const closes: number[] = [];
  c.on('closed', (e) => closes.push((e as { code: number }).code));
  const sub = collect(c, { query: NOTIFICATIONS });
  await settle();
  await live.rate('alice', '278', 5);
  await until(() => sub.results.length === 1, 'the first notification');

  await live.stack.stopService('gateway');
  await until(() => closes.includes(1012), 'the 1012 close');
  // Written while no gateway runs (straight to the ratings subgraph, signed as the gateway would):
  // only the resume can deliver it.
  const direct = await callSubgraph(
    live.stack.urls.ratings,
    live.stack.env.GATEWAY_SIGNING_KEY,
    'mutation { rateMovie(input: { movieId: "278", score: 4 }) { rating { score } } }',
    {},
    'bob',
  );
  expect(direct.body.errors).toBeUndefined();
  await new Promise((r) => setTimeout(r, 1500));
  await live.stack.startService('gateway');
  await until(() => sub.results.length >= 2, 'the notification after the restart', 30_000);
  await new Promise((r) => setTimeout(r, 500));
  expect(sub.results.map((r) => [r.data!.notificationReceived.actor.id, r.data!.notificationReceived.score])).toEqual([
    ['alice', 5],
    ['bob', 4],
  ]);
  sub.stop();
}, 120_000);
