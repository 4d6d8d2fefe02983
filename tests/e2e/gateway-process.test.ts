import http from 'node:http';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { findFreePort, spawnManaged, waitFor, type ManagedProcess } from '../../local/processes';
import { generateGatewayKeys, verifyCaller, INTERNAL_IDENTITY_HEADER } from '../../platform/identity';
import { codes, postGraphQL } from '../support/graphql';

/**
 * The gateway process in its production configuration, against stand-in subgraphs that record
 * what they receive: JWKS user tokens, CORS, security headers, OpenTelemetry traces with context
 * propagated to the subgraphs, and several workers.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const SECRET = generateGatewayKeys().signingKey;
let subgraph: http.Server;
let subgraphUrl: string;
const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];
let jwks: http.Server;
let jwksUrl: string;
let collector: http.Server;
let collectorUrl: string;
const traces: Buffer[] = [];
let privateKey: CryptoKey;
let gateway: ManagedProcess;
let workers: ManagedProcess;
let gatewayUrl: string;
let workersUrl: string;

function listen(server: http.Server): Promise<string> {
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r(`http://127.0.0.1:${(server.address() as { port: number }).port}`)));
}

async function startGatewayProcess(extra: Record<string, string>): Promise<{ proc: ManagedProcess; url: string }> {
  const port = await findFreePort();
  const metricsPort = await findFreePort();
  const proc = spawnManaged(process.execPath, ['--import', 'tsx', path.join(ROOT, 'gateway', 'main.ts')], {
    name: 'gateway',
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      GATEWAY_PORT: String(port),
      METRICS_PORT: String(metricsPort),
      GATEWAY_SIGNING_KEY: SECRET,
      MOVIES_URL: `${subgraphUrl}/graphql`,
      RATINGS_URL: `${subgraphUrl}/graphql`,
      NOTIFICATIONS_URL: `${subgraphUrl}/graphql`,
      AVAILABILITY_URL: `${subgraphUrl}/graphql`,
      JWT_JWKS_URL: `${jwksUrl}/.well-known/jwks.json`,
      JWT_ISSUER: 'https://id.example',
      JWT_AUDIENCE: 'marquee',
      CORS_ORIGINS: 'https://app.example',
      SUPERGRAPH_PATH: path.join(ROOT, 'schema', 'supergraph.graphql'),
      ...extra,
    },
  });
  const url = `http://127.0.0.1:${port}/graphql`;
  await waitFor(() => fetch(url.replace('/graphql', '/health')).then((r) => r.ok), { timeoutMs: 60_000, what: 'gateway', failFast: proc.exited });
  return { proc, url };
}

beforeAll(async () => {
  // A stand-in subgraph: answers the genres query and records what the gateway sent.
  subgraph = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ data: { genres: [{ id: '18', name: 'Drama' }] } }));
    });
  });
  subgraphUrl = await listen(subgraph);

  const keys = await generateKeyPair('RS256');
  privateKey = keys.privateKey;
  const jwk = { ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  jwks = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  jwksUrl = await listen(jwks);

  collector = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/v1/traces') traces.push(Buffer.concat(chunks));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  collectorUrl = await listen(collector);

  [{ proc: gateway, url: gatewayUrl }, { proc: workers, url: workersUrl }] = await Promise.all([
    startGatewayProcess({ OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl, OTEL_BSP_SCHEDULE_DELAY: '200', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }),
    startGatewayProcess({ GATEWAY_WORKERS: '2' }),
  ]);
}, 120_000);

afterAll(async () => {
  await Promise.all([gateway?.stop(), workers?.stop()]);
  for (const s of [subgraph, jwks, collector]) await new Promise((r) => s?.close(r));
});

const token = (claims: { sub?: string; iss?: string; aud?: string; exp?: number }) => {
  const jwt = new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuedAt();
  if (claims.sub) jwt.setSubject(claims.sub);
  jwt
    .setIssuer(claims.iss ?? 'https://id.example')
    .setAudience(claims.aud ?? 'marquee')
    .setExpirationTime(claims.exp ?? Math.floor(Date.now() / 1000) + 600);
  return jwt.sign(privateKey);
};

describe('user tokens from a JWKS', () => {
  it('accepts a valid token and tells the subgraph who is calling', async () => {
    received.length = 0;
    const res = await postGraphQL(gatewayUrl, '{ genres { id name } }', {}, { authorization: `Bearer ${await token({ sub: 'jwks-user' })}` });
    expect(res.body).toEqual({ data: { genres: [{ id: '18', name: 'Drama' }] } });
    const caller = await verifyCaller(SECRET, received[0].headers[INTERNAL_IDENTITY_HEADER] as string, 'movies');
    expect(caller.userId).toBe('jwks-user');
  });

  it("tells the subgraph an anonymous caller's IP, and no IP for a signed-in caller (its share of the TMDB budget)", async () => {
    received.length = 0;
    await postGraphQL(gatewayUrl, 'query AnonymousIp { genres { name } }');
    const anonymous = await verifyCaller(SECRET, received[0].headers[INTERNAL_IDENTITY_HEADER] as string, 'movies');
    expect(anonymous).toEqual({ userId: null, partnerId: null, clientIp: expect.stringMatching(/127\.0\.0\.1$/) });
    received.length = 0;
    await postGraphQL(gatewayUrl, 'query SignedInIp { genres { name } }', {}, { authorization: `Bearer ${await token({ sub: 'ip-user' })}` });
    expect(await verifyCaller(SECRET, received[0].headers[INTERNAL_IDENTITY_HEADER] as string, 'movies')).toEqual({ userId: 'ip-user', partnerId: null });
  });

  it('refuses wrong issuer, wrong audience, expired and HS256-signed tokens', async () => {
    const hs = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('x')
      .setIssuer('https://id.example')
      .setAudience('marquee')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('k'.repeat(40)));
    for (const t of [
      await token({ sub: 'a', iss: 'https://evil.example' }),
      await token({ sub: 'a', aud: 'other' }),
      await token({ sub: 'a', exp: Math.floor(Date.now() / 1000) - 60 }),
      hs,
    ]) {
      const res = await postGraphQL(gatewayUrl, '{ genres { id } }', {}, { authorization: `Bearer ${t}` });
      expect({ status: res.status, codes: codes(res) }).toEqual({ status: 401, codes: ['UNAUTHENTICATED'] });
    }
  });
});

describe('browser-facing HTTP', () => {
  it('answers CORS preflights for the configured origin only', async () => {
    const ok = await fetch(gatewayUrl, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization' },
    });
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://app.example');
    const other = await fetch(gatewayUrl, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('sends security headers and no framework banner', async () => {
    const res = await fetch(gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ genres { id } }"}' });
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age=/);
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(res.headers.get('x-powered-by')).toBeNull();
  });
});

describe('tracing', () => {
  it('exports spans over OTLP and propagates trace context to the subgraph', async () => {
    received.length = 0;
    const res = await postGraphQL(gatewayUrl, 'query Traced { genres { id } }');
    expect(res.status).toBe(200);
    const traceparent = received[0].headers.traceparent as string | undefined;
    expect(traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
    const traceId = traceparent!.split('-')[1];
    await waitFor(async () => traces.some((t) => t.toString('utf8').includes(traceId)), { timeoutMs: 10_000, intervalMs: 100, what: 'spans at the collector' });
  });
});

describe('workers', () => {
  it('runs GATEWAY_WORKERS processes behind one port', async () => {
    // Worker processes run the same entry point (tsx may also start an esbuild helper: not counted).
    const children = execFileSync('ps', ['-o', 'args=', '--ppid', String(workers.child.pid)], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.includes('gateway/main.ts'));
    expect(children).toHaveLength(2);
    const results = await Promise.all(Array.from({ length: 10 }, () => postGraphQL(workersUrl, '{ genres { id } }')));
    for (const r of results) expect(r.body.data).toEqual({ genres: [{ id: '18' }] });
  });
});
