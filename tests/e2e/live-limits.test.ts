import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { makeToken } from '../../scripts/token';
import { startExtraGateway } from '../support/extra-gateway';
import { LIVE_QUERIES, startLiveStack, until, type LiveStack } from '../support/live';

/**
 * The limits of live connections (docs/live.md), on the stack's real processes: connections per
 * user across both transports, a token's expiry ending a stream with its code, the safelist on
 * SSE and WebSocket alike.
 */
const LOGS = path.resolve(__dirname, '..', '..', 'test-artifacts', 'live-limits');
const ROOT = path.resolve(__dirname, '..', '..');
let live: LiveStack;
const opened: AbortController[] = [];
const clients: Client[] = [];

/** Opens an SSE subscription; resolves with its status, its body read so far, and how to close it. */
async function sse(query: string, variables: Record<string, unknown>, token?: string, url = live.stack.gatewayUrl) {
  const controller = new AbortController();
  opened.push(controller);
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
    signal: controller.signal,
  });
  const state = { status: res.status, text: '', ended: false, close: () => controller.abort() };
  if (res.headers.get('content-type')?.startsWith('text/event-stream')) {
    void (async () => {
      const reader = res.body!.getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        state.text += new TextDecoder().decode(value);
      }
      state.ended = true;
    })().catch(() => {});
  } else state.text = await res.text();
  return state;
}

/** Connects a graphql-ws client with one subscription; resolves with how the socket closed, if it did. */
function ws(token: string | undefined, query: string, variables: Record<string, unknown> = {}, url = live.stack.gatewayUrl) {
  const c = createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
  });
  clients.push(c);
  const state: { closed?: { code: number; reason: string }; errors?: unknown; connected: boolean } = { connected: false };
  c.on('connected', () => (state.connected = true));
  c.on('closed', (e) => (state.closed = e as { code: number; reason: string }));
  c.subscribe({ query, variables }, { next: () => {}, error: (e) => (state.errors = e), complete: () => {} });
  return state;
}

beforeAll(async () => {
  live = await startLiveStack(8, LOGS, { LIVE_MAX_CONNECTIONS_PER_USER: '2' });
}, 180_000);

afterAll(async () => {
  for (const c of opened) c.abort();
  for (const c of clients) await c.dispose();
  await live?.stack.stop();
});

test('at most LIVE_MAX_CONNECTIONS_PER_USER live connections per user, SSE and WebSocket together', async () => {
  const first = await sse(LIVE_QUERIES.notifications, {}, live.tokens.alice);
  const second = ws(live.tokens.alice, LIVE_QUERIES.notifications);
  await until(() => second.connected, 'the WebSocket connection');
  expect(first.status).toBe(200);

  const third = await sse(LIVE_QUERIES.notifications, {}, live.tokens.alice);
  expect(third.status).toBe(429);
  expect(JSON.parse(third.text).errors[0].extensions).toEqual({ code: 'TOO_MANY_CONNECTIONS', scope: 'user' });
  const fourth = ws(live.tokens.alice, LIVE_QUERIES.notifications);
  await until(() => fourth.closed !== undefined, 'the refused WebSocket');
  expect(fourth.closed).toMatchObject({ code: 4429, reason: expect.stringMatching(/^TOO_MANY_CONNECTIONS/) });
  // Another user, and anonymous watchers, are not counted against alice.
  expect((await sse(LIVE_QUERIES.notifications, {}, live.tokens.bob)).status).toBe(200);
  expect((await sse(LIVE_QUERIES.activity, { id: '603' })).status).toBe(200);

  // Closing one gives its place back.
  first.close();
  await new Promise((r) => setTimeout(r, 300));
  expect((await sse(LIVE_QUERIES.notifications, {}, live.tokens.alice)).status).toBe(200);
}, 60_000);

test('a token’s expiry ends the subscription with TOKEN_EXPIRED: SSE error then complete, WebSocket close 4401', async () => {
  const short = await makeToken('carol', live.stack.env.JWT_SECRET, '3s');
  const stream = await sse(LIVE_QUERIES.notifications, {}, short);
  const socket = ws(short, LIVE_QUERIES.notifications);
  expect(stream.status).toBe(200);
  await until(() => stream.ended && socket.closed !== undefined, 'both ends', 15_000);
  expect(stream.text).toMatch(
    /event: next\ndata: \{"errors":\[\{"message":"The token has expired[^"]*","extensions":\{"code":"TOKEN_EXPIRED"\}\}\]\}\n\nevent: complete\n/,
  );
  expect(socket.closed).toMatchObject({ code: 4401, reason: 'TOKEN_EXPIRED' });
}, 30_000);

test('SAFELIST=enforce applies to subscriptions on both transports', async () => {
  const strict = await startExtraGateway(live.stack, 'gateway-safelist', { SAFELIST: 'enforce' }, LOGS);
  try {
    const manifest = JSON.parse(readFileSync(path.join(ROOT, 'schema', 'persisted-operations.json'), 'utf8')) as {
      operations: { name: string; body: string }[];
    };
    const registered = manifest.operations.find((o) => o.name === 'MovieActivity')!.body;
    const ok = await sse(registered, { movieId: '603' }, undefined, strict.url);
    expect(ok.status).toBe(200);
    const adHoc = await sse(LIVE_QUERIES.activity, { id: '603' }, undefined, strict.url);
    expect(adHoc.status).toBe(403);
    expect(JSON.parse(adHoc.text).errors[0].extensions.code).toBe('OPERATION_NOT_IN_SAFELIST');
    const socket = ws(undefined, LIVE_QUERIES.activity, { id: '603' }, strict.url);
    await until(() => socket.errors !== undefined, 'the WebSocket refusal');
    expect(socket.errors).toEqual([expect.objectContaining({ extensions: { code: 'OPERATION_NOT_IN_SAFELIST' } })]);
  } finally {
    await strict.proc.stop();
  }
}, 60_000);

test('at most LIVE_MAX_CONNECTIONS live connections per replica: SSE 503, WebSocket close 1013 (a code clients retry)', async () => {
  const small = await startExtraGateway(live.stack, 'gateway-replica-limit', { LIVE_MAX_CONNECTIONS: '2' }, LOGS);
  try {
    const first = await sse(LIVE_QUERIES.activity, { id: '603' }, undefined, small.url);
    const second = ws(undefined, LIVE_QUERIES.activity, { id: '550' }, small.url);
    await until(() => second.connected, 'the WebSocket connection');
    expect(first.status).toBe(200);
    // Anonymous or signed in, the replica is full.
    const third = await sse(LIVE_QUERIES.notifications, {}, live.tokens.bob, small.url);
    expect(third.status).toBe(503);
    expect(JSON.parse(third.text).errors[0].extensions).toEqual({ code: 'TOO_MANY_CONNECTIONS', scope: 'replica' });
    const fourth = ws(undefined, LIVE_QUERIES.activity, { id: '13' }, small.url);
    await until(() => fourth.closed !== undefined, 'the refused WebSocket');
    expect(fourth.closed).toMatchObject({ code: 1013, reason: expect.stringMatching(/^TOO_MANY_CONNECTIONS/) });
    // A query is not a live connection: still served.
    const query = await fetch(small.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(query.status).toBe(200);
    first.close();
    await new Promise((r) => setTimeout(r, 300));
    expect((await sse(LIVE_QUERIES.activity, { id: '603' }, undefined, small.url)).status).toBe(200);
  } finally {
    await small.proc.stop();
  }
}, 90_000);
