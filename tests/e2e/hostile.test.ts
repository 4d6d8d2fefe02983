import path from 'node:path';
import { readFileSync } from 'node:fs';
import { SignJWT } from 'jose';
import type { Stack } from '../../local/stack';
import { waitFor, type ManagedProcess } from '../../local/processes';
import { freshIps, startExtraGateway, startStackBehindProxy } from '../support/extra-gateway';
import { makeToken } from '../../scripts/token';
import { buildManifest } from '../../scripts/persisted-operations';
import { sha256 } from '../../gateway/pipeline/persisted';
import { hashApiKey } from '../../gateway/pipeline/partner-key';
import { codes, postGraphQL } from '../support/graphql';
import { INTERNAL_IDENTITY_HEADER, signCaller } from '../../platform/identity';

/**
 * The hostile battery of issue #16, over HTTP against the four real processes: proxy trust and
 * per-client buckets, the safelist by GET and APQ, every client-caused refusal a 4xx, bounded
 * metric labels, anonymous mutations, failed-authentication limits and the metrics port.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const LOGS = path.join(ROOT, 'test-artifacts', 'hostile-logs');
const PARTNER_KEY = 'mq_hostile_partner_key_0123456789abcdef';
let stack: Stack;
let enforce: { proc: ManagedProcess; url: string };
const freshIp = freshIps();

beforeAll(async () => {
  stack = await startStackBehindProxy(
    {
      LOG_LEVEL: 'info',
      RATE_LIMIT_ANONYMOUS: '5',
      RATE_LIMIT_USER: '1000000',
      RATE_LIMIT_AUTH_FAILURES: '3',
      MAX_COST: '5000',
      PARTNER_KEYS: JSON.stringify([{ id: 'hostile', tier: 'standard', sha256: hashApiKey(PARTNER_KEY) }]),
    },
    LOGS,
  );
  enforce = await startExtraGateway(stack, 'gateway-enforce', { SAFELIST: 'enforce', RATE_LIMIT_ANONYMOUS: '100000', LOG_LEVEL: 'warn' }, LOGS);
}, 180_000);

afterAll(async () => {
  await enforce?.proc.stop();
  await stack?.stop();
});

const gql = (query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}, url = stack.gatewayUrl) =>
  postGraphQL(url, query, variables, { 'x-forwarded-for': freshIp(), ...headers });
const post = async (url: string, body: unknown, headers: Record<string, string> = {}) => {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': freshIp(), ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
};
const get = async (url: string, params: Record<string, unknown>, headers: Record<string, string> = {}) => {
  const qs = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
  const res = await fetch(`${url}?${qs}`, { headers: { 'apollo-require-preflight': 'true', 'x-forwarded-for': freshIp(), ...headers } });
  return { status: res.status, body: await res.json() };
};
const codeOf = (r: { body: any }) => (r.body.errors ?? []).map((e: any) => e.extensions?.code);

describe('behind a proxy (TRUST_PROXY=1)', () => {
  it('gives each X-Forwarded-For client its own anonymous bucket, and logs its address', async () => {
    const [alice, bob] = [freshIp(), freshIp()];
    const ask = (ip: string) =>
      fetch(stack.gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
        body: '{"query":"{ genres { id } }"}',
      }).then((r) => r.status);
    const aliceStatuses: number[] = [];
    for (let i = 0; i < 7; i++) aliceStatuses.push(await ask(alice));
    expect(aliceStatuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    expect(await ask(bob)).toBe(200);
    // Only the last hop is believed: a client cannot pick its bucket by prepending addresses.
    const carol = freshIp();
    expect(await ask(`${alice}, ${carol}`)).toBe(200);

    const log = path.join(LOGS, 'gateway.log');
    await waitFor(async () => readFileSync(log, 'utf8').includes(`"ip":"${carol}"`), { timeoutMs: 5000, what: 'log lines' });
    const lines = readFileSync(log, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { ip?: string; msg: string });
    expect(lines.filter((l) => l.ip === alice && l.msg === 'graphql request')).toHaveLength(5);
    expect(lines.filter((l) => l.ip === alice && l.msg === 'rate limited')).toHaveLength(2);
    expect(lines.some((l) => l.ip === bob && l.msg === 'graphql request')).toBe(true);
  });
});

describe('safelist (SAFELIST=enforce)', () => {
  const op = buildManifest().operations.find((o) => o.name === 'PopularMovies')!;

  it('runs registered operations by GET, by text or by id', async () => {
    const byText = await get(enforce.url, { query: op.body, variables: { page: 1 } });
    expect(byText.status).toBe(200);
    expect(byText.body.data.popularMovies.results).toHaveLength(20);
    const byId = await get(enforce.url, { variables: { page: 2 }, extensions: { persistedQuery: { version: 1, sha256Hash: op.id } } });
    expect(byId.status).toBe(200);
    expect(byId.body.data.popularMovies.page).toBe(2);
  });

  it('refuses an unregistered GET operation', async () => {
    const res = await get(enforce.url, { query: '{ genres { id name } }' });
    expect({ status: res.status, codes: codeOf(res), data: res.body.data }).toEqual({ status: 403, codes: ['OPERATION_NOT_IN_SAFELIST'], data: undefined });
  });

  it('refuses hash-only requests for hashes not in the manifest, by GET and POST', async () => {
    const ext = { persistedQuery: { version: 1, sha256Hash: sha256('{ genres { id name } }') } };
    const viaGet = await get(enforce.url, { extensions: ext });
    const viaPost = await post(enforce.url, { extensions: ext });
    for (const res of [viaGet, viaPost]) expect({ status: res.status, codes: codeOf(res) }).toEqual({ status: 403, codes: ['OPERATION_NOT_IN_SAFELIST'] });
  });

  it('refuses APQ registration, so nothing registered runs later', async () => {
    for (const [i, send] of [get, (url: string, body: unknown) => post(url, body)].entries()) {
      const query = `{ genres { id name } g${i}: genres { id } }`;
      const ext = { persistedQuery: { version: 1, sha256Hash: sha256(query) } };
      const register = await send(enforce.url, { query, extensions: ext });
      expect({ status: register.status, codes: codeOf(register) }).toEqual({ status: 403, codes: ['PERSISTED_QUERY_REGISTRATION_REFUSED'] });
      const later = await post(enforce.url, { extensions: ext });
      expect({ status: later.status, codes: codeOf(later) }).toEqual({ status: 403, codes: ['OPERATION_NOT_IN_SAFELIST'] });
    }
  });
});

describe('every refusal a client can cause is a 4xx with its code', () => {
  it.each<[string, number, string, () => Promise<{ status: number; body: any }>]>([
    ['too many tokens', 400, 'TOO_MANY_TOKENS', () => gql(`{ ${Array.from({ length: 3500 }, () => '__typename').join(' ')} }`)],
    ['too many tokens by GET', 400, 'TOO_MANY_TOKENS', () => get(stack.gatewayUrl, { query: `{ ${Array.from({ length: 3500 }, () => 'a').join(' ')} }` })],
    ['an alias bomb over the token limit', 400, 'TOO_MANY_TOKENS', () => gql(`{ ${Array.from({ length: 1200 }, (_, i) => `a${i}: __typename`).join(' ')} }`)],
    [
      'a directive bomb over the token limit',
      400,
      'TOO_MANY_TOKENS',
      () => gql(`{ __typename ${Array.from({ length: 600 }, () => '@include(if: true)').join(' ')} }`),
    ],
    ['too many aliases', 400, 'TOO_MANY_ALIASES', () => gql(`{ ${Array.from({ length: 60 }, (_, i) => `a${i}: genres { id }`).join(' ')} }`)],
    [
      'too many directives',
      400,
      'TOO_MANY_DIRECTIVES',
      () => gql(`{ ${Array.from({ length: 40 }, () => '... @include(if: true) { genres { id } }').join(' ')} }`),
    ],
    [
      'too deep',
      400,
      'QUERY_TOO_DEEP',
      () => {
        const level = (inner: string) => `ratings { edges { node { user { ${inner} } } } }`;
        return gql(`{ me { ${level(level(level(level('id'))))} } }`);
      },
    ],
    [
      'too costly',
      400,
      'COST_LIMIT_EXCEEDED',
      () => {
        const page = 'popularMovies { results { cast(first: 100) { person { name profile { url } } } directors { name } genres { name } } }';
        return gql(`{ ${Array.from({ length: 20 }, (_, i) => `p${i}: ${page}`).join(' ')} }`);
      },
    ],
    ['a parse error', 400, 'GRAPHQL_PARSE_FAILED', () => gql('{ genres { id ')],
    ['an unknown field', 400, 'GRAPHQL_VALIDATION_FAILED', () => gql('{ genres { nope } }')],
    ['a bad variable', 400, 'BAD_USER_INPUT', () => gql('query ($page: Int!) { popularMovies(page: $page) { page } }', { page: 'one' })],
    [
      'malformed JSON',
      400,
      'BAD_REQUEST',
      async () => {
        const res = await fetch(stack.gatewayUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': freshIp() },
          body: '{"query":',
        });
        return { status: res.status, body: await res.json() };
      },
    ],
    ['an unknown operationName', 400, 'OPERATION_RESOLUTION_FAILURE', () => post(stack.gatewayUrl, { query: 'query A { genres { id } }', operationName: 'B' })],
    ['a mutation by GET', 405, 'BAD_REQUEST', () => get(stack.gatewayUrl, { query: 'mutation { followMovie(movieId: "550") { following } }' })],
    [
      'a cross-site simple request (CSRF prevention)',
      400,
      'BAD_REQUEST',
      async () => {
        const res = await fetch(stack.gatewayUrl, {
          method: 'POST',
          headers: { 'content-type': 'text/plain', 'x-forwarded-for': freshIp() },
          body: '{"query":"{ genres { id } }"}',
        });
        return { status: res.status, body: await res.json() };
      },
    ],
    ['a batch (no HTTP batching)', 400, 'BAD_REQUEST', () => post(stack.gatewayUrl, [{ query: '{ genres { id } }' }, { query: '{ genres { name } }' }])],
    [
      'an APQ registration (safelist)',
      403,
      'PERSISTED_QUERY_REGISTRATION_REFUSED',
      () => post(enforce.url, { query: '{ genres { id } }', extensions: { persistedQuery: { version: 1, sha256Hash: sha256('{ genres { id } }') } } }),
    ],
    [
      'an unknown APQ hash (the APQ protocol: 200, then the client sends the text)',
      200,
      'PERSISTED_QUERY_NOT_FOUND',
      () => post(stack.gatewayUrl, { extensions: { persistedQuery: { version: 1, sha256Hash: sha256(`{ genres { id } } # ${Math.random()}`) } } }),
    ],
    ['a 200 kB body', 413, 'PAYLOAD_TOO_LARGE', () => post(stack.gatewayUrl, { query: '{ genres { id } }', variables: { pad: 'x'.repeat(200 * 1024) } })],
    ['an invalid token', 401, 'UNAUTHENTICATED', () => gql('{ genres { id } }', {}, { authorization: 'Bearer not.a.jwt' })],
    [
      'a user token without exp',
      401,
      'UNAUTHENTICATED',
      async () => {
        const token = await new SignJWT({})
          .setProtectedHeader({ alg: 'HS256' })
          .setSubject('forever')
          .setIssuedAt()
          .sign(new TextEncoder().encode(stack.env.JWT_SECRET));
        return gql('{ me { id } }', {}, { authorization: `Bearer ${token}` });
      },
    ],
    [
      'a user token living 30 days',
      401,
      'UNAUTHENTICATED',
      async () => gql('{ me { id } }', {}, { authorization: `Bearer ${await makeToken('long-lived', stack.env.JWT_SECRET, '30d')}` }),
    ],
    ['an unknown partner key', 401, 'UNAUTHENTICATED', () => gql('{ genres { id } }', {}, { 'x-api-key': 'mq_guess' })],
    ['an anonymous mutation', 401, 'UNAUTHENTICATED', () => gql('mutation { followMovie(movieId: "550") { following } }')],
    ['an unregistered operation (safelist)', 403, 'OPERATION_NOT_IN_SAFELIST', () => gql('{ genres { id } }', {}, {}, enforce.url)],
    [
      '/METRICS on the public port',
      404,
      'NOT_FOUND',
      async () => {
        const res = await fetch(stack.gatewayUrl.replace('/graphql', '/METRICS'));
        return { status: res.status, body: await res.json() };
      },
    ],
  ])('%s: %i %s', async (_what, status, code, send) => {
    const res = await send();
    expect({ status: res.status, codes: codeOf(res) }).toEqual({ status, codes: [code] });
  });

  it('rate limiting: 429 RATE_LIMITED', async () => {
    const ip = freshIp();
    let last = { status: 0, body: {} as any };
    for (let i = 0; i < 6; i++) last = await post(stack.gatewayUrl, { query: '{ genres { id } }' }, { 'x-forwarded-for': ip });
    expect({ status: last.status, codes: codeOf(last) }).toEqual({ status: 429, codes: ['RATE_LIMITED'] });
  });
});

describe('metrics', () => {
  it('serves no metrics on the public ports under any spelling, and all of them on the metrics ports', async () => {
    for (const url of Object.values(stack.urls)) {
      for (const spelling of ['/metrics', '/METRICS', '/Metrics', '/metrics/', '/metrics?x=1']) {
        const res = await fetch(url.replace('/graphql', spelling));
        expect({ url: url.replace('/graphql', spelling), status: res.status }).toEqual({ url: url.replace('/graphql', spelling), status: 404 });
        expect(await res.text()).not.toContain('process_cpu');
      }
    }
    for (const url of Object.values(stack.metricsUrls)) expect(await fetch(url).then((r) => r.text())).toContain('process_cpu_seconds_total');
  });

  it('keeps label cardinality bounded under 10,000 unique operation and client names', async () => {
    const token = await makeToken('label-flooder', stack.env.JWT_SECRET);
    let next = 0;
    const worker = async () => {
      while (next < 10_000) {
        const i = next++;
        const res = await fetch(stack.gatewayUrl, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${token}`,
            'apollographql-client-name': `client-${i}-${'c'.repeat(100)}`,
            'apollographql-client-version': `v${i}`,
          },
          // Most stay in the gateway (__typename); every 25th goes on to the movies subgraph, with its name.
          body: JSON.stringify({ query: `query Flood${i}${'x'.repeat(200)} { ${i % 25 === 0 ? 'genres { id }' : '__typename'} }` }),
        });
        if (res.status !== 200) throw new Error(`request ${i}: ${res.status} ${await res.text()}`);
        await res.arrayBuffer();
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));

    const series = (text: string, name: string) => text.split('\n').filter((l) => l.startsWith(`${name}{`));
    const gatewayText = await fetch(stack.metricsUrls.gateway).then((r) => r.text());
    const operations = series(gatewayText, 'marquee_gateway_request_duration_seconds_count');
    expect(operations.length).toBeLessThanOrEqual(2 * 120);
    expect(operations.some((l) => l.includes('operation="other"'))).toBe(true);
    expect(Math.max(...operations.map((l) => /operation="([^"]*)"/.exec(l)![1].length))).toBeLessThanOrEqual(64);
    const clients = series(gatewayText, 'marquee_client_operations_total');
    expect(clients.length).toBeLessThanOrEqual(102);
    expect(clients.some((l) => l.includes('client="other"') && l.includes('version="other"'))).toBe(true);
    const moviesText = await fetch(stack.metricsUrls.movies).then((r) => r.text());
    expect(series(moviesText, 'marquee_subgraph_request_duration_seconds_count').length).toBeLessThanOrEqual(2 * 120);
    // What the registry holds: 10,000 names as histogram series would be tens of MB of text here.
    // (The process heap also holds Apollo's bounded document and plan caches, so the registry's
    // size is the measure of what labels cost.)
    expect(gatewayText.length + moviesText.length).toBeLessThan(1_000_000);
  }, 180_000);
});

describe('anonymous mutations and writer marks', () => {
  const subgraphHits = async () => {
    const text = await fetch(stack.metricsUrls.gateway).then((r) => r.text());
    return [
      ...text.matchAll(
        /^marquee_gateway_subgraph_cache_total\{[^}]*result="hit"[^}]*subgraph="movies"[^}]*\} (\S+)$|^marquee_gateway_subgraph_cache_total\{[^}]*subgraph="movies"[^}]*result="hit"[^}]*\} (\S+)$/gm,
      ),
    ].reduce((sum, m) => sum + Number(m[1] ?? m[2]), 0);
  };
  // A viewer field keeps the response out of the response cache; the film comes from the subgraph cache.
  const page = '{ movie(id: "680") { title viewerRating { score } } }';

  it('refuses them before any subgraph call, so other anonymous callers keep the subgraph cache', async () => {
    await gql(page);
    const before = await subgraphHits();
    expect((await gql(page)).body.data.movie.title).toBe('Pulp Fiction');
    expect((await subgraphHits()) - before).toBe(1);

    const refused = await gql('mutation { rateMovie(input: { movieId: "680", score: 3 }) { rating { score } } }');
    expect({ status: refused.status, codes: codes(refused) }).toEqual({ status: 401, codes: ['UNAUTHENTICATED'] });

    const after = await subgraphHits();
    expect((await gql(page)).body.data.movie.title).toBe('Pulp Fiction');
    expect((await subgraphHits()) - after).toBe(1);
  });

  it("one user's writes do not change caching for anyone else", async () => {
    const alice = await makeToken('writer-alice', stack.env.JWT_SECRET);
    const wrote = await gql('mutation { followMovie(movieId: "680") { following } }', {}, { authorization: `Bearer ${alice}` });
    expect(wrote.body.data.followMovie.following).toBe(true);
    const before = await subgraphHits();
    await gql(page);
    await gql(page, {}, { authorization: `Bearer ${await makeToken('reader-bob', stack.env.JWT_SECRET)}` });
    expect((await subgraphHits()) - before).toBe(2);
  });
});

describe('identity tokens', () => {
  it('are per subgraph: one minted for ratings is refused by notifications', async () => {
    const forRatings = await signCaller(stack.env.GATEWAY_SIGNING_KEY, { userId: 'u1', partnerId: null }, 'ratings');
    const query = '{ _service { sdl } }';
    const atRatings = await postGraphQL(stack.urls.ratings, query, {}, { [INTERNAL_IDENTITY_HEADER]: forRatings });
    expect(atRatings.status).toBe(200);
    const atNotifications = await postGraphQL(stack.urls.notifications, query, {}, { [INTERNAL_IDENTITY_HEADER]: forRatings });
    expect({ status: atNotifications.status, codes: codes(atNotifications) }).toEqual({ status: 401, codes: ['UNAUTHENTICATED'] });
  });

  it('cannot be minted by a subgraph task: movies holds only the public key, and what it can sign ratings refuses', async () => {
    const environ = (name: 'movies' | 'gateway') =>
      new Map(
        readFileSync(`/proc/${stack.pid(name)}/environ`, 'utf8')
          .split('\0')
          .filter(Boolean)
          .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)] as const),
      );
    const movies = environ('movies');
    expect(movies.has('GATEWAY_SIGNING_KEY')).toBe(false);
    const publicKey = movies.get('GATEWAY_PUBLIC_KEY')!;
    expect(publicKey).toMatch(/BEGIN PUBLIC KEY/);
    expect(environ('gateway').get('GATEWAY_SIGNING_KEY')).toMatch(/BEGIN PRIVATE KEY/);
    // Everything movies could try with what it holds: the public key as a signing key fails, and
    // as an HMAC secret (the old HS256 scheme) gives a token ratings refuses.
    await expect(signCaller(publicKey, { userId: 'u1', partnerId: null }, 'ratings')).rejects.toThrow();
    const forged = await new SignJWT({ uid: 'u1' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('marquee-gateway')
      .setAudience('ratings')
      .setExpirationTime('1m')
      .sign(new TextEncoder().encode(publicKey));
    const atRatings = await postGraphQL(stack.urls.ratings, '{ _service { sdl } }', {}, { [INTERNAL_IDENTITY_HEADER]: forged });
    expect({ status: atRatings.status, codes: codes(atRatings) }).toEqual({ status: 401, codes: ['UNAUTHENTICATED'] });
  });
});

describe('failed authentication', () => {
  it('is limited per client IP, counted before refusing, and then refuses even good credentials from that IP', async () => {
    const ip = freshIp();
    const statuses: number[] = [];
    const attempts: Record<string, string>[] = [
      { authorization: 'Bearer not.a.jwt' },
      { 'x-api-key': 'mq_guess_1' },
      { 'x-api-key': 'mq_guess_2' },
      { 'x-api-key': 'mq_guess_3' },
    ];
    for (const auth of attempts) {
      statuses.push((await gql('{ genres { id } }', {}, { 'x-forwarded-for': ip, ...auth })).status);
    }
    expect(statuses).toEqual([401, 401, 401, 429]);
    const rightGuess = await gql('{ genres { id } }', {}, { 'x-forwarded-for': ip, 'x-api-key': PARTNER_KEY });
    expect({ status: rightGuess.status, codes: codes(rightGuess) }).toEqual({ status: 429, codes: ['RATE_LIMITED'] });
    expect(Number(rightGuess.headers.get('retry-after'))).toBeGreaterThan(0);
    // Other addresses, and requests without credentials from this one, are not affected.
    expect((await gql('{ genres { id } }', {}, { 'x-api-key': PARTNER_KEY })).status).toBe(200);
    expect((await gql('{ genres { id } }', {}, { 'x-forwarded-for': ip })).status).toBe(200);
  });
});
