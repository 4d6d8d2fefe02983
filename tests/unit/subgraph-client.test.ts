import http from 'node:http';
import { GraphQLDataSourceRequestKind } from '@apollo/gateway/dist/datasources/types';
import { SubgraphClient, cacheHint } from '../../gateway/subgraph-client';
import { INTERNAL_IDENTITY_HEADER, verifyCaller } from '../../platform/identity';

const secret = 's'.repeat(64);
let server: http.Server;
let url: string;
const seen: { body: string; identity: string | undefined }[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ body, identity: req.headers[INTERNAL_IDENTITY_HEADER] as string | undefined });
      // Slow enough that concurrent callers overlap.
      setTimeout(() => {
        res.setHeader('content-type', 'application/json');
        res.setHeader('cache-control', 'max-age=30, public');
        res.end(JSON.stringify({ data: { value: seen.length } }));
      }, 50);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address() as { port: number };
  url = `http://127.0.0.1:${addr.port}/graphql`;
});
afterAll(() => new Promise((r) => server.close(r)));
beforeEach(() => (seen.length = 0));

function call(client: SubgraphClient, query: string, userId: string | null) {
  return client.process({
    kind: GraphQLDataSourceRequestKind.HEALTH_CHECK,
    request: { query, variables: {} },
    context: { userId, partnerId: null, requestId: 'r1' },
  });
}

describe('SubgraphClient', () => {
  it('signs every call with the caller identity', async () => {
    const client = new SubgraphClient({ name: 't', url, secret, timeoutMs: 2000, connections: 4, dedupe: false });
    await call(client, '{ a }', null);
    const caller = await verifyCaller(secret, seen[0].identity);
    expect(caller.requestId).toBe('r1');
    await client.close();
  });

  it('shares identical in-flight queries of the same caller, and only those', async () => {
    const client = new SubgraphClient({ name: 't', url, secret, timeoutMs: 2000, connections: 4, dedupe: true });
    const results = await Promise.all([
      ...Array.from({ length: 10 }, () => call(client, '{ a }', 'u1')),
      call(client, '{ a }', 'u2'),
      call(client, '{ b }', 'u1'),
      call(client, 'mutation { m }', 'u1'),
      call(client, 'mutation { m }', 'u1'),
    ]);
    expect(seen).toHaveLength(5);
    // Each caller gets its own object to merge into.
    expect(results[0]).not.toBe(results[1]);
    expect(results[0].data).toEqual(results[1].data);
    expect(results[0].data).not.toBe(results[1].data);
    await client.close();
  });

  it('does not share when deduplication is off', async () => {
    const client = new SubgraphClient({ name: 't', url, secret, timeoutMs: 2000, connections: 4, dedupe: false });
    await Promise.all(Array.from({ length: 5 }, () => call(client, '{ a }', 'u1')));
    expect(seen).toHaveLength(5);
    await client.close();
  });

  it('reports an unreachable subgraph clearly', async () => {
    const client = new SubgraphClient({ name: 'gone', url: 'http://127.0.0.1:1/graphql', secret, timeoutMs: 500, connections: 1, dedupe: true });
    await expect(call(client, '{ a }', null)).rejects.toThrow(/Couldn't reach subgraph gone: ECONNREFUSED/);
    await client.close();
  });

  it('reads cache hints like Apollo does', () => {
    expect(cacheHint('max-age=30, public')).toEqual({ maxAge: 30, scope: 'PUBLIC' });
    expect(cacheHint('max-age=0, private')).toEqual({ maxAge: 0, scope: 'PRIVATE' });
    expect(cacheHint(undefined)).toEqual({ maxAge: 0 });
  });
});
