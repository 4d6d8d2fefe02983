import path from 'node:path';
import { createClient, type Client, type ExecutionResult } from 'graphql-sse';
import { startExtraGateway } from '../support/extra-gateway';
import { postGraphQL } from '../support/graphql';
import { LIVE_QUERIES, startLiveStack, until, type LiveStack } from '../support/live';

/**
 * Subscriptions over GraphQL-over-SSE (graphql-sse's distinct connections mode) against the
 * stack's real processes, with the real graphql-sse client: the relay feeds the live bus
 * (Redis), the gateway executes each event through the subscription's plan.
 */
const LOGS = path.resolve(__dirname, '..', '..', 'test-artifacts', 'live-sse');
let live: LiveStack;
const clients: Client[] = [];

const { notifications: NOTIFICATIONS, activity: ACTIVITY } = LIVE_QUERIES;

function client(user?: string, lastEventId?: () => string | undefined, url = live.stack.gatewayUrl): Client {
  const c = createClient({
    url,
    retryAttempts: 0,
    headers: () => ({
      ...(user ? { authorization: `Bearer ${live.tokens[user]}` } : {}),
      ...(lastEventId?.() ? { 'last-event-id': lastEventId()! } : {}),
    }),
  });
  clients.push(c);
  return c;
}

interface Received {
  results: ExecutionResult<Record<string, any>, { eventId?: string }>[];
  done: Promise<void>;
  stop: () => void;
  connected: Promise<void>;
}

/** Subscribes and collects every result until stopped. */
function collect(c: Client, query: string, variables: Record<string, unknown> = {}): Received {
  const results: Received['results'] = [];
  let connected!: () => void;
  const isConnected = new Promise<void>((r) => (connected = r));
  let stop!: () => void;
  const done = new Promise<void>((resolve, reject) => {
    stop = c.subscribe(
      { query, variables },
      { next: (r) => results.push(r as Received['results'][number]), error: reject, complete: resolve },
      { connected: () => connected() },
    );
  });
  done.catch(() => {});
  return { results, done, stop, connected: isConnected };
}

beforeAll(async () => {
  live = await startLiveStack(6, LOGS);
}, 180_000);

afterAll(async () => {
  for (const c of clients) c.dispose();
  await live?.stack.stop();
});

test('a follower gets exactly one event per rating on a film they follow, in order; the author gets none', async () => {
  await live.follow('alice', '603');
  await live.follow('alice', '550');
  await live.follow('bob', '603');
  const alice = collect(client('alice'), NOTIFICATIONS);
  const bob = collect(client('bob'), NOTIFICATIONS);
  await Promise.all([alice.connected, bob.connected]);

  await live.rate('bob', '603', 8);
  await live.rate('carol', '550', 6.5);
  await until(() => alice.results.length >= 2, 'alice’s two notifications');
  // Let any duplicate or stray event arrive before counting.
  await new Promise((r) => setTimeout(r, 1000));

  expect(alice.results.map((r) => r.errors)).toEqual([undefined, undefined]);
  const [first, second] = alice.results.map((r) => r.data!.notificationReceived);
  expect(first).toMatchObject({ kind: 'NEW_RATING', score: 8, actor: { id: 'bob' }, movie: { id: '603', title: 'The Matrix' } });
  // Another subgraph's field, fetched per event through the plan's entity fetch.
  expect(first.movie.ratingSummary.count).toBe(1);
  expect(second).toMatchObject({ score: 6.5, actor: { id: 'carol' }, movie: { id: '550' } });
  // Ids of the live bus, increasing: what a client resumes from.
  const ids = alice.results.map((r) => r.extensions!.eventId!);
  expect(ids[0] < ids[1] || ids[0].length < ids[1].length).toBe(true);
  // Bob follows 603 too, but wrote the rating: nothing for him.
  expect(bob.results).toEqual([]);
  alice.stop();
  bob.stop();
}, 60_000);

test('movieActivity: anonymous subscribers see the rating summary and follower count change', async () => {
  const watcher = collect(client(), ACTIVITY, { id: '680' });
  await watcher.connected;
  await live.rate('carol', '680', 9);
  await until(() => watcher.results.length >= 1, 'the rating activity');
  await live.follow('bob', '680');
  await until(() => watcher.results.length >= 2, 'the follow activity');
  const [rated, followed] = watcher.results.map((r) => r.data!.movieActivity);
  expect(rated).toEqual({ kind: 'RATING_SUMMARY_CHANGED', movie: { id: '680', ratingSummary: { average: 9, count: 1 }, followerCount: 0 } });
  expect(followed).toEqual({ kind: 'FOLLOWER_COUNT_CHANGED', movie: { id: '680', ratingSummary: { average: 9, count: 1 }, followerCount: 1 } });
  watcher.stop();
}, 60_000);

test('the raw stream (what curl -N shows): event ids, next events; refusals are JSON with a code', async () => {
  const controller = new AbortController();
  const res = await fetch(live.stack.gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ query: ACTIVITY, variables: { id: '13' } }),
    signal: controller.signal,
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = res.body!.getReader();
  let text = '';
  const read = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      text += new TextDecoder().decode(value);
    }
  })().catch(() => {});
  await new Promise((r) => setTimeout(r, 300));
  await live.rate('alice', '13', 7);
  await until(() => text.includes('event: next'), 'a next event');
  controller.abort();
  await read;
  expect(text).toMatch(/^:\n\nid: \d+-\d+\nevent: next\ndata: \{"data":\{"movieActivity":\{"kind":"RATING_SUMMARY_CHANGED"/m);

  // notificationReceived needs a signed-in caller: refused before any stream.
  const anonymous = await fetch(live.stack.gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ query: NOTIFICATIONS }),
  });
  expect(anonymous.status).toBe(401);
  expect((await anonymous.json()).errors[0].extensions.code).toBe('UNAUTHENTICATED');
  // A plain POST of a subscription still says which transport it needs.
  const plain = await postGraphQL(live.stack.gatewayUrl, ACTIVITY, { id: '13' });
  expect(plain.status).toBe(400);
  expect(plain.body.errors?.[0].extensions?.code).toBe('SUBSCRIPTION_TRANSPORT_REQUIRED');
}, 60_000);

test('nothing is lost across a gateway restart: the client resumes on another replica from its last event id', async () => {
  const other = await startExtraGateway(live.stack, 'gateway-b', {}, LOGS);
  try {
    await live.follow('carol', '278');
    const seen: { last?: string } = {};
    const before = collect(
      client('carol', () => seen.last),
      NOTIFICATIONS,
    );
    await before.connected;
    await live.rate('alice', '278', 5);
    await until(() => before.results.length === 1, 'the first notification');
    seen.last = before.results[0].extensions!.eventId;

    // SIGTERM: the stream ends without `complete`, a close the client reconnects from.
    await live.stack.stopService('gateway');
    await expect(before.done).rejects.toBeDefined();
    // Written while this client has no stream: the relay still puts it on the bus.
    await live.rate('bob', '278', 4, other.url);
    await new Promise((r) => setTimeout(r, 1000));

    const after = collect(
      client('carol', () => seen.last, other.url),
      NOTIFICATIONS,
    );
    await until(() => after.results.length >= 1, 'the missed notification');
    await live.rate('alice', '278', 3, other.url);
    await until(() => after.results.length >= 2, 'the next live notification');
    await new Promise((r) => setTimeout(r, 500));
    // The missed one replayed, then live ones, none twice, none before `last`.
    expect(after.results.map((r) => [r.data!.notificationReceived.actor.id, r.data!.notificationReceived.score])).toEqual([
      ['bob', 4],
      ['alice', 3],
    ]);
    after.stop();
  } finally {
    await other.proc.stop();
    await live.stack.startService('gateway');
  }
}, 120_000);
