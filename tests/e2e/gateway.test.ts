import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { SignJWT } from 'jose';
import type { Stack } from '../../local/stack';
import { startStacks } from '../support/stacks';
import { createLocalTables } from '../../local/tables';
import { LOCAL_JWT_SECRET } from '../../local/defaults';
import { makeToken } from '../../scripts/token';
import { hashApiKey } from '../../gateway/pipeline/partner-key';
import { buildManifest } from '../../scripts/persisted-operations';
import { sha256 } from '../../gateway/pipeline/persisted';
import { codes, postGraphQL } from '../support/graphql';
import { servers } from '../support/env';
import { waitFor } from '../../local/processes';

/**
 * The gateway as the only door, over HTTP: a hostile battery, auth for users and partners,
 * limits, caching, health and metrics, hot reload, and graceful shutdown under load.
 */
const PARTNER_KEY = 'mq_test_partner_key_0123456789abcdef';
const ROOT = path.resolve(__dirname, '..', '..');
let dev: Stack;
let prod: Stack;
let supergraphCopy: string;
let ipCounter = 0;

// Each test gets its own client address (X-Forwarded-For from loopback is trusted), so the
// anonymous rate limit of one test does not spill into another.
const freshIp = () => `10.9.${Math.floor(++ipCounter / 250)}.${ipCounter % 250}`;

function baseEnv(suffix: string): NodeJS.ProcessEnv {
  const s = servers();
  return {
    PATH: process.env.PATH,
    DYNAMODB_ENDPOINT: s.dynamodb,
    SNS_ENDPOINT: s.sns,
    SQS_ENDPOINT: s.sqs,
    S3_ENDPOINT: s.s3,
    REDIS_URL: s.redis,
    RATINGS_TABLE: `ratings-${suffix}`,
    NOTIFICATIONS_TABLE: `notifications-${suffix}`,
    EVENTS_TABLE: `events-${suffix}`,
    LOG_LEVEL: 'warn',
  };
}

beforeAll(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'marquee-gw-'));
  supergraphCopy = path.join(dir, 'supergraph.graphql');
  copyFileSync(path.join(ROOT, 'schema', 'supergraph.graphql'), supergraphCopy);
  const suffix = Math.random().toString(36).slice(2, 8);
  await Promise.all([
    createLocalTables(servers().dynamodb, {
      RATINGS_TABLE: `ratings-gw-${suffix}`,
      NOTIFICATIONS_TABLE: `notifications-gw-${suffix}`,
      EVENTS_TABLE: `events-gw-${suffix}`,
    }),
    createLocalTables(servers().dynamodb, {
      RATINGS_TABLE: `unused-${suffix}`,
      NOTIFICATIONS_TABLE: `notifications-gwp-${suffix}`,
      EVENTS_TABLE: `events-gwp-${suffix}`,
    }),
  ]);
  const partners = JSON.stringify([{ id: 'acme', tier: 'standard', sha256: hashApiKey(PARTNER_KEY) }]);
  [dev, prod] = await startStacks(
    {
      randomPorts: true,
      env: { ...baseEnv(`gw-${suffix}`), SUPERGRAPH_PATH: supergraphCopy, PARTNER_KEYS: partners, RATE_LIMIT_ANONYMOUS: '30', SHUTDOWN_DELAY_MS: '500' },
      logDir: path.join(ROOT, 'test-artifacts', 'gateway-dev-logs'),
    },
    {
      randomPorts: true,
      // Production mode, with the ratings table missing so ratings fields fail internally.
      env: {
        ...baseEnv(`gwp-${suffix}`),
        NODE_ENV: 'production',
        SAFELIST: 'enforce',
        // Another deployment: its own Redis database, so the dev stack's cached public answers
        // (the subgraph cache) never stand in for this stack's failing ratings subgraph.
        REDIS_URL: `${servers().redis.replace(/\/\d*$/, '')}/1`,
        RATINGS_TABLE: 'no-such-table',
        JWT_SECRET: LOCAL_JWT_SECRET,
        JWT_ALLOW_HS256_IN_PRODUCTION: 'true',
        CURSOR_SECRET: randomBytes(32).toString('hex'),
      },
      logDir: path.join(ROOT, 'test-artifacts', 'gateway-prod-logs'),
    },
  );
}, 180_000);

afterAll(async () => {
  await Promise.all([dev?.stop(), prod?.stop()]);
});

const gql = (stack: Stack, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
  postGraphQL(stack.gatewayUrl, query, variables, { 'x-forwarded-for': freshIp(), ...headers });

async function healthy(stack: Stack) {
  const res = await fetch(stack.gatewayUrl.replace('/graphql', '/health'));
  expect(res.status).toBe(200);
  const q = await gql(stack, '{ genres { id name } }');
  expect(q.body.data.genres.length).toBeGreaterThan(10);
}

describe('hostile input', () => {
  it('refuses a depth bomb', async () => {
    const level = (inner: string) => `ratings { edges { node { user { ${inner} } } } }`;
    const deep = `me { ${level(level(level(level('id'))))} }`;
    const res = await gql(dev, `{ ${deep} }`);
    expect(codes(res)).toEqual(['QUERY_TOO_DEEP']);
  });

  it('refuses an alias bomb', async () => {
    const aliases = Array.from({ length: 60 }, (_, i) => `a${i}: genres { id }`).join(' ');
    expect(codes(await gql(dev, `{ ${aliases} }`))).toEqual(['TOO_MANY_ALIASES']);
  });

  it('refuses a cost bomb', async () => {
    const page = 'popularMovies { results { cast(first: 100) { person { name profile { url } } } directors { name } genres { name } } }';
    const aliases = Array.from({ length: 20 }, (_, i) => `p${i}: ${page}`).join(' ');
    const res = await gql(dev, `{ ${aliases} }`);
    expect(codes(res)).toEqual(['COST_LIMIT_EXCEEDED']);
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0].extensions?.cost).toMatchObject({ max: 1000 });
  });

  it('refuses the movies(ids:) fan-out attack by cost, before any subgraph is called (issue 16)', async () => {
    // Ids in a variable: written inline, 3,000 ids would hit the token limit first.
    const aliases = Array.from({ length: 30 }, (_, i) => `a${i}: movies(ids: $ids) { id title }`).join(' ');
    const res = await gql(dev, `query Attack($ids: [ID!]!) { ${aliases} }`, { ids: Array.from({ length: 100 }, (_, j) => String(900000 + j)) });
    expect(res.status).toBe(400);
    expect(codes(res)).toEqual(['COST_LIMIT_EXCEEDED']);
    expect(res.body.errors?.[0].extensions?.cost).toEqual({ estimated: 3000, max: 1000 });
  });

  it('reports estimated and actual cost in extensions when asked with x-marquee-cost', async () => {
    const q = '{ popularMovies { results { id title } } }';
    const asked = await gql(dev, q, {}, { 'x-marquee-cost': 'true' });
    expect(asked.status).toBe(200);
    expect((asked.body as { extensions?: Record<string, unknown> }).extensions?.cost).toEqual({ estimated: 21, actual: 21, max: 1000 });
    const plain = await gql(dev, q);
    expect((plain.body as { extensions?: Record<string, unknown> }).extensions?.cost).toBeUndefined();
  });

  it('refuses too many tokens and too many directives', async () => {
    const tokens = Array.from({ length: 3500 }, () => '__typename').join(' ');
    expect(codes(await gql(dev, `{ ${tokens} }`))).toEqual(['TOO_MANY_TOKENS']);
    const directives = Array.from({ length: 40 }, () => '... @include(if: true) { genres { id } }').join(' ');
    expect(codes(await gql(dev, `{ ${directives} }`))).toEqual(['TOO_MANY_DIRECTIVES']);
  });

  it('answers a 10 MB body with 413', async () => {
    const res = await fetch(dev.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': freshIp() },
      body: JSON.stringify({ query: '{ genres { id } }', variables: { pad: 'x'.repeat(10 * 1024 * 1024) } }),
    });
    expect(res.status).toBe(413);
    expect((await res.json()).errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('answers malformed JSON, a wrong content type and a GET mutation with a 4xx and a code', async () => {
    const malformed = await fetch(dev.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': freshIp() },
      body: '{"query": "{ genres { id } }"',
    });
    expect(malformed.status).toBe(400);
    expect((await malformed.json()).errors[0].extensions.code).toBe('BAD_REQUEST');

    // text/plain is a "simple" request a browser sends cross-site without preflight: CSRF prevention refuses it.
    const plain = await fetch(dev.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', 'x-forwarded-for': freshIp() },
      body: '{"query":"{ genres { id } }"}',
    });
    expect(plain.status).toBe(400);
    expect((await plain.json()).errors[0].extensions.code).toBe('BAD_REQUEST');

    const token = await makeToken('csrf-victim');
    const get = await fetch(`${dev.gatewayUrl}?query=${encodeURIComponent('mutation { followMovie(movieId: "550") { following } }')}`, {
      headers: { authorization: `Bearer ${token}`, 'apollo-require-preflight': 'true', 'x-forwarded-for': freshIp() },
    });
    expect(get.status).toBe(405);
    expect((await get.json()).errors[0].extensions.code).toBe('BAD_REQUEST');
  });

  it('answers invalid variables and a parse error with their codes', async () => {
    const badVar = await gql(dev, 'query ($page: Int!) { popularMovies(page: $page) { page } }', { page: 'one' });
    expect(badVar.status).toBe(400);
    expect(codes(badVar)).toEqual(['BAD_USER_INPUT']);
    const parse = await gql(dev, '{ genres { id ');
    expect(codes(parse)).toEqual(['GRAPHQL_PARSE_FAILED']);
    const unknown = await gql(dev, '{ genres { nope } }');
    expect(codes(unknown)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });

  it('refuses forged, expired, alg:none and malformed tokens', async () => {
    const secret = new TextEncoder().encode(LOCAL_JWT_SECRET);
    const expired = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('u')
      .setExpirationTime(Math.floor(Date.now() / 1000) - 120)
      .sign(secret);
    const forged = await makeToken('admin', 'not-the-secret-but-long-enough-to-sign-anything');
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from('{"sub":"admin"}').toString('base64url')}.`;
    for (const auth of [`Bearer ${expired}`, `Bearer ${forged}`, `Bearer ${none}`, 'Bearer not.a.jwt', 'Basic YWRtaW46YWRtaW4=']) {
      const res = await gql(dev, '{ me { id } }', {}, { authorization: auth });
      expect({ auth: auth.slice(0, 12), status: res.status, codes: codes(res) }).toEqual({ auth: auth.slice(0, 12), status: 401, codes: ['UNAUTHENTICATED'] });
    }
  });

  it('cannot reach a subgraph without the gateway signature', async () => {
    for (const name of ['movies', 'ratings', 'notifications', 'availability'] as const) {
      const res = await postGraphQL(dev.urls[name], '{ _service { sdl } }');
      expect({ name, status: res.status, codes: codes(res) }).toEqual({ name, status: 401, codes: ['UNAUTHENTICATED'] });
    }
    // The feed processor serves no GraphQL at all: its port answers /health and nothing else.
    const processor = await fetch(dev.urls['feed-processor'], {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query":"{ __typename }"}',
    });
    expect(processor.status).toBe(404);
  });

  it('rate limits anonymous callers with 429, Retry-After and RATE_LIMITED', async () => {
    const ip = '10.200.0.1';
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let i = 0; i < 40; i++) {
      const res = await fetch(dev.gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
        body: '{"query":"{ genres { id } }"}',
      });
      statuses.push(res.status);
      if (res.status === 429) limited = res;
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(30);
    expect(limited).toBeDefined();
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await limited!.json()).errors[0].extensions.code).toBe('RATE_LIMITED');
  });

  afterAll(async () => {
    await healthy(dev);
  });
});

describe('users and partners', () => {
  it('lets anonymous callers read public fields and refuses their mutations', async () => {
    const res = await gql(dev, '{ movie(id: "603") { title viewerRating { score } } }');
    expect(res.body.data.movie).toEqual({ title: 'The Matrix', viewerRating: null });
    expect(codes(await gql(dev, 'mutation { unfollowMovie(movieId: "603") { following } }'))).toEqual(['UNAUTHENTICATED']);
  });

  it('accepts a known partner key and refuses an unknown one', async () => {
    const ok = await gql(dev, '{ genres { id } }', {}, { 'x-api-key': PARTNER_KEY });
    expect(ok.status).toBe(200);
    const bad = await gql(dev, '{ genres { id } }', {}, { 'x-api-key': 'mq_guess' });
    expect(bad.status).toBe(401);
    expect(codes(bad)).toEqual(['UNAUTHENTICATED']);
  });
});

describe('caching', () => {
  it('serves public answers from the response cache and never shares viewer data', async () => {
    const q = '{ movie(id: "155") { title tmdbRating { average } } }';
    const first = await gql(dev, q);
    const second = await gql(dev, q);
    expect(second.body).toEqual(first.body);
    expect(second.headers.get('age')).not.toBeNull();
    expect(first.headers.get('cache-control')).toMatch(/max-age=\d+, public/);

    const alice = await makeToken('cache-alice');
    const bob = await makeToken('cache-bob');
    await gql(dev, 'mutation { rateMovie(input: { movieId: "155", score: 10 }) { rating { score } } }', {}, { authorization: `Bearer ${alice}` });
    const viewer = '{ movie(id: "155") { viewerRating { score } } }';
    const a = await gql(dev, viewer, {}, { authorization: `Bearer ${alice}` });
    const b = await gql(dev, viewer, {}, { authorization: `Bearer ${bob}` });
    expect(a.body.data.movie.viewerRating).toEqual({ score: 10 });
    expect(b.body.data.movie.viewerRating).toBeNull();
  });

  it('supports automatic persisted queries', async () => {
    const query = '{ genres { name } }';
    const hash = sha256(query);
    const ext = { persistedQuery: { version: 1, sha256Hash: hash } };
    const post = (body: unknown) =>
      fetch(dev.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': freshIp() }, body: JSON.stringify(body) }).then(
        (r) => r.json(),
      );
    expect((await post({ extensions: ext })).errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect((await post({ query, extensions: ext })).data.genres.length).toBeGreaterThan(10);
    expect((await post({ extensions: ext })).data.genres.length).toBeGreaterThan(10);
  });
});

describe('production mode', () => {
  it('runs only registered operations in safelist mode, by text or by id', async () => {
    const op = buildManifest().operations.find((o) => o.name === 'PopularMovies')!;
    const byText = await gql(prod, op.body, { page: 1 });
    expect(byText.body.data.popularMovies.results).toHaveLength(20);
    const byId = await fetch(prod.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': freshIp() },
      body: JSON.stringify({ variables: { page: 2 }, extensions: { persistedQuery: { version: 1, sha256Hash: op.id } } }),
    }).then((r) => r.json());
    expect(byId.data.popularMovies.page).toBe(2);
    const other = await gql(prod, '{ genres { id } }');
    expect(other.status).toBe(403);
    expect(codes(other)).toEqual(['OPERATION_NOT_IN_SAFELIST']);
  });

  it('masks internal errors: generic message, stable code, no stack trace', async () => {
    const op = buildManifest().operations.find((o) => o.name === 'PopularMovies')!;
    const res = await gql(prod, op.body, { page: 1 });
    const errors = res.body.errors ?? [];
    expect(errors.length).toBeGreaterThan(0);
    for (const e of errors) {
      expect(e.message).toBe('Internal server error');
      expect(e.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR' });
    }
    expect(JSON.stringify(res.body)).not.toMatch(/no-such-table|ResourceNotFound|at .*\.ts:\d+/);
  });

  it('turns introspection and the Sandbox landing page off', async () => {
    const op = '{ __schema { queryType { name } } }';
    const res = await fetch(prod.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: op }) });
    expect(res.status).toBeGreaterThanOrEqual(400);
    const page = await fetch(prod.gatewayUrl, { headers: { accept: 'text/html' } });
    expect(await page.text()).not.toMatch(/sandbox/i);
    const devPage = await fetch(dev.gatewayUrl, { headers: { accept: 'text/html' } });
    expect(await devPage.text()).toMatch(/sandbox/i);
  });
});

describe('operations', () => {
  it('reports health, readiness and metrics', async () => {
    const base = dev.gatewayUrl.replace('/graphql', '');
    expect((await fetch(`${base}/health`)).status).toBe(200);
    const ready = await fetch(`${base}/ready`);
    expect(ready.status).toBe(200);
    expect((await ready.json()).checks).toEqual({ movies: true, ratings: true, notifications: true, availability: true });
    for (const url of Object.values(dev.urls)) expect((await fetch(url.replace('/graphql', '/health'))).status).toBe(200);
    await gql(dev, 'query Named { genres { id } }', {}, { 'apollographql-client-name': 'web', 'apollographql-client-version': '1.2.3' });
    const metrics = await (await fetch(dev.metricsUrls.gateway)).text();
    expect(metrics).toMatch(/marquee_gateway_request_duration_seconds_count\{[^}]*operation="Named"/);
    expect(metrics).toMatch(/marquee_client_operations_total\{[^}]*client="web"[^}]*version="1.2.3"/);
    expect(metrics).toMatch(/marquee_gateway_errors_total\{[^}]*code="QUERY_TOO_DEEP"/);
  });

  it('picks up a changed supergraph file without a restart', async () => {
    const original = readFileSync(supergraphCopy, 'utf8');
    const marker = 'Every movie genre TMDB knows.';
    expect(original).toContain(marker);
    writeFileSync(supergraphCopy, original.replace(marker, 'Every movie genre TMDB knows (reloaded).'));
    const introspect = '{ __type(name: "Query") { fields { name description } } }';
    let description = '';
    for (let i = 0; i < 50 && !description.includes('reloaded'); i++) {
      await new Promise((r) => setTimeout(r, 200));
      const res = await gql(dev, introspect);
      description = res.body.data.__type.fields.find((f: { name: string }) => f.name === 'genres').description;
    }
    expect(description).toBe('Every movie genre TMDB knows (reloaded).');
  });

  it('drains in-flight requests on SIGTERM: none fails', async () => {
    const token = await makeToken('drain-user');
    // Answered here, or in flight there: what the gateway has received.
    let answered = 0;
    const inflightAtGateway = async () =>
      Number(/^marquee_gateway_inflight_requests (\d+)/m.exec(await (await fetch(dev.metricsUrls.gateway)).text())?.[1] ?? 0);
    const inflight: Promise<number>[] = [];
    const started = Date.now();
    while (Date.now() - started < 300) {
      for (let i = 0; i < 10; i++) {
        inflight.push(
          fetch(dev.gatewayUrl, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            body: JSON.stringify({ query: '{ popularMovies(page: 3) { results { id title ratingSummary { count } followerCount } } }' }),
          }).then((r) => {
            answered++;
            return r.status;
          }),
        );
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    // The promise is about requests the server has accepted: wait until every one has reached it
    // (served or in flight), however loaded the machine is, before SIGTERM.
    await waitFor(async () => answered + (await inflightAtGateway()) >= inflight.length, {
      timeoutMs: 20_000,
      intervalMs: 10,
      what: 'the gateway receiving every request',
    });
    const stopping = dev.stopService('gateway');
    const statuses = await Promise.all(inflight);
    await stopping;
    expect(statuses.length).toBeGreaterThan(50);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    await dev.startService('gateway');
    await healthy(dev);
  });
});
