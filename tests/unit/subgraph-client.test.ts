import http from 'node:http';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { GraphQLDataSourceRequestKind } from '@apollo/gateway/dist/datasources/types';
import { BATCH_RETRY_MS, SubgraphClient, SubgraphHttpError, SubgraphUnavailableError, cacheHint, unavailableSubgraph } from '../../gateway/subgraph-client';
import { SubgraphAnswerCache } from '../../gateway/subgraph-cache';
import { INTERNAL_IDENTITY_HEADER, generateGatewayKeys, verifyCaller } from '../../platform/identity';

const signingKey = generateGatewayKeys().signingKey;
let server: http.Server;
let url: string;
let forcePrivate = false;
const seen: { body: string; identity: string | undefined; requestId: string | undefined }[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ body, identity: req.headers[INTERNAL_IDENTITY_HEADER] as string | undefined, requestId: req.headers['x-request-id'] as string | undefined });
      if (body.includes('slow')) return; // never answers
      if (body.includes('cutoff')) {
        // Headers and half a body, then the connection drops.
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"data":');
        setTimeout(() => res.socket?.destroy(), 20);
        return;
      }
      if (body.includes('unavailable')) {
        // What a proxy in front of a subgraph answers when no task can take the call.
        res.statusCode = 503;
        res.end('no healthy upstream');
        return;
      }
      if (body.includes('fail')) {
        res.statusCode = 500;
        res.end('{"errors":[{"message":"boom"}]}');
        return;
      }
      // A batch (JSON array) gets an array of results; an operation asking for `private`
      // fields makes the whole answer private, as Apollo Server's cache control does.
      const parsed = JSON.parse(body) as { query: string } | { query: string }[];
      const ops = Array.isArray(parsed) ? parsed : [parsed];
      // In a batch each operation also states its own hint, as platform/kit/plugins.ts does.
      const ownHint = (op: { query: string }) => ({ cacheControl: { maxAge: 30, scope: op.query.includes('private') ? 'PRIVATE' : 'PUBLIC' } });
      const results = ops.map((op) => ({ data: { value: seen.length, query: op.query }, ...(Array.isArray(parsed) ? { extensions: ownHint(op) } : {}) }));
      // Slow enough that concurrent callers overlap.
      setTimeout(() => {
        res.setHeader('content-type', 'application/json');
        res.setHeader('cache-control', forcePrivate || ops.some((op) => op.query.includes('private')) ? 'max-age=30, private' : 'max-age=30, public');
        res.end(JSON.stringify(Array.isArray(parsed) ? results : results[0]));
      }, 50);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address() as { port: number };
  url = `http://127.0.0.1:${addr.port}/graphql`;
});
afterAll(() => new Promise((r) => server.close(r)));
beforeEach(() => (seen.length = 0));

function call(client: SubgraphClient, query: string, userId: string | null, context: Record<string, unknown> = { userId, partnerId: null, requestId: 'r1' }) {
  return client.process({
    kind: GraphQLDataSourceRequestKind.HEALTH_CHECK,
    request: { query, variables: {} },
    context,
  });
}

const options = { name: 't', signingKey, timeoutMs: 2000, connections: 4 };

describe('SubgraphClient', () => {
  it('signs every call with the caller identity', async () => {
    const client = new SubgraphClient({ name: 't', url, signingKey, timeoutMs: 2000, connections: 4, dedupe: false });
    await call(client, '{ a }', null);
    await expect(verifyCaller(signingKey, seen[0].identity, 't')).resolves.toEqual({ userId: null, partnerId: null });
    expect(seen[0].requestId).toBe('r1');
    await client.close();
  });

  it('shares identical in-flight queries of the same caller, and only those', async () => {
    const client = new SubgraphClient({ name: 't', url, signingKey, timeoutMs: 2000, connections: 4, dedupe: true });
    const results = await Promise.all([
      ...Array.from({ length: 10 }, () => call(client, '{ private }', 'u1')),
      call(client, '{ private }', 'u2'),
      call(client, '{ b private }', 'u1'),
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

  it('tells anonymous callers apart by IP: a private answer is shared by the same IP only', async () => {
    const client = new SubgraphClient({ ...options, url, dedupe: true });
    const anonymous = (clientIp: string) => ({ userId: null, partnerId: null, clientIp, requestId: 'r1' });
    await Promise.all([
      call(client, '{ private }', null, anonymous('203.0.113.1')),
      call(client, '{ private }', null, anonymous('203.0.113.1')),
      call(client, '{ private }', null, anonymous('203.0.113.2')),
    ]);
    expect(seen).toHaveLength(2);
    await client.close();
  });

  it('shares an answer across callers only when the subgraph marks it public', async () => {
    const client = new SubgraphClient({ ...options, url, dedupe: true });
    // Not known yet to be public: each caller asks for itself.
    await Promise.all([call(client, '{ a }', 'u1'), call(client, '{ a }', 'u2')]);
    expect(seen).toHaveLength(2);
    seen.length = 0;
    // Answered public last time: other callers wait for the first one's answer.
    const results = await Promise.all([call(client, '{ a }', 'u1'), call(client, '{ a }', 'u2'), call(client, '{ a }', null)]);
    expect(seen).toHaveLength(1);
    expect(results[1].data).toEqual(results[0].data);
    expect(results[1].data).not.toBe(results[0].data);
    seen.length = 0;
    // A private answer is not given to the other caller: it asks for its own.
    const mine = await Promise.all([call(client, '{ private }', 'u1'), call(client, '{ private }', 'u2')]);
    expect(seen).toHaveLength(2);
    expect(mine[0].data).not.toEqual(mine[1].data);
    await client.close();
  });

  it('asks for itself when a shared answer turns out not to be public', async () => {
    const client = new SubgraphClient({ ...options, url, dedupe: true });
    await call(client, '{ c }', 'u1');
    seen.length = 0;
    forcePrivate = true;
    try {
      const [a, b] = await Promise.all([call(client, '{ c }', 'u1'), call(client, '{ c }', 'u2')]);
      expect(seen).toHaveLength(2);
      expect(a.data).not.toEqual(b.data);
    } finally {
      forcePrivate = false;
    }
    await client.close();
  });

  it('sends the parallel calls of one request as one batch, and mutations alone', async () => {
    const client = new SubgraphClient({ ...options, url, dedupe: true, batch: true });
    const ctx = { userId: 'u1', partnerId: null, requestId: 'r2' };
    const [a, b] = await Promise.all([call(client, '{ a }', 'u1', ctx), call(client, '{ b }', 'u1', ctx)]);
    expect(seen).toHaveLength(1);
    expect(JSON.parse(seen[0].body)).toEqual([expect.objectContaining({ query: '{ a }' }), expect.objectContaining({ query: '{ b }' })]);
    expect(a.data).toEqual({ value: 1, query: '{ a }' });
    expect(b.data).toEqual({ value: 1, query: '{ b }' });
    expect(seen[0].requestId).toBe('r2');

    // Another request's calls, a lone call and mutations are each sent on their own.
    seen.length = 0;
    await Promise.all([
      call(client, '{ c }', 'u1', ctx),
      call(client, '{ d }', 'u2'),
      call(client, 'mutation { m }', 'u1', ctx),
      call(client, 'mutation { n }', 'u1', ctx),
    ]);
    expect(seen.map((s) => JSON.parse(s.body)).every((b) => !Array.isArray(b))).toBe(true);
    expect(seen).toHaveLength(4);
    await client.close();
  });

  it('sends a batch call by call to a subgraph that does not take batches (mid-deploy)', async () => {
    // A real Apollo Server as it was before batching: allowBatchedHttpRequests off.
    const old = new ApolloServer({ typeDefs: 'type Query { a: Int b: Int }', resolvers: { Query: { a: () => 1, b: () => 2 } } });
    const { url: oldUrl } = await startStandaloneServer(old, { listen: { port: 0, host: '127.0.0.1' } });
    const client = new SubgraphClient({ ...options, url: oldUrl, dedupe: true, batch: true });
    try {
      const ctx = { userId: null, partnerId: null, requestId: 'r4' };
      const [a, b] = await Promise.all([call(client, '{ a }', null, ctx), call(client, '{ b }', null, ctx)]);
      expect(a.data).toEqual({ a: 1 });
      expect(b.data).toEqual({ b: 2 });
    } finally {
      await client.close();
      await old.stop();
    }
  });

  it('sends call by call a batch the subgraph answers with any error status, and keeps sending single calls', async () => {
    const client = new SubgraphClient({ ...options, url, dedupe: false, batch: true });
    const ctx = { userId: null, partnerId: null, requestId: 'r3' };
    // The batch gets a 500 (its wording is no one's): each call goes again on its own.
    const [failed, b] = await Promise.allSettled([call(client, '{ fail }', null, ctx), call(client, '{ b }', null, ctx)]);
    expect(failed).toMatchObject({ status: 'rejected', reason: expect.objectContaining({ message: expect.stringMatching(/^500: subgraph t answered/) }) });
    // A 500 is the subgraph's failure, not its absence: typed with its status, not unavailable.
    const reason = (failed as PromiseRejectedResult).reason as unknown;
    expect(reason).toBeInstanceOf(SubgraphHttpError);
    expect((reason as SubgraphHttpError).status).toBe(500);
    expect(unavailableSubgraph(reason)).toBeUndefined();
    expect(b).toMatchObject({ status: 'fulfilled', value: { data: { query: '{ b }' } } });
    expect(seen.map((s) => Array.isArray(JSON.parse(s.body)))).toEqual([true, false, false]);
    // Remembered: the next request's parallel calls are not batched.
    seen.length = 0;
    const ctx2 = { userId: null, partnerId: null, requestId: 'r5' };
    await Promise.all([call(client, '{ c }', null, ctx2), call(client, '{ d }', null, ctx2)]);
    expect(seen.map((s) => Array.isArray(JSON.parse(s.body)))).toEqual([false, false]);
    // BATCH_RETRY_MS later a batch is tried again (the subgraph may have been redeployed).
    seen.length = 0;
    const later = Date.now() + BATCH_RETRY_MS + 1;
    const now = jest.spyOn(Date, 'now').mockReturnValue(later);
    try {
      const ctx3 = { userId: null, partnerId: null, requestId: 'r7' };
      await Promise.all([call(client, '{ e }', null, ctx3), call(client, '{ f }', null, ctx3)]);
    } finally {
      now.mockRestore();
    }
    expect(seen.map((s) => Array.isArray(JSON.parse(s.body)))).toEqual([true]);
    await client.close();
  });

  it('fails every call of a batch the subgraph cannot be reached for (no second try)', async () => {
    const client = new SubgraphClient({ ...options, url: 'http://127.0.0.1:9/graphql', dedupe: false, batch: true });
    const ctx = { userId: null, partnerId: null, requestId: 'r6' };
    const calls = [call(client, '{ a }', null, ctx), call(client, '{ b }', null, ctx)];
    for (const c of calls) await expect(c).rejects.toThrow(/Couldn't reach subgraph t/);
    for (const c of calls) await expect(c).rejects.toBeInstanceOf(SubgraphUnavailableError);
    await client.close();
  });

  it('does not share when deduplication is off', async () => {
    const client = new SubgraphClient({ name: 't', url, signingKey, timeoutMs: 2000, connections: 4, dedupe: false });
    await Promise.all(Array.from({ length: 5 }, () => call(client, '{ a }', 'u1')));
    expect(seen).toHaveLength(5);
    await client.close();
  });

  it('gives up on a subgraph that does not answer within the timeout', async () => {
    const client = new SubgraphClient({ ...options, url, timeoutMs: 300, dedupe: false });
    const started = Date.now();
    const slow = call(client, '{ slow }', null);
    await expect(slow).rejects.toThrow(/Couldn't reach subgraph t: .*Timeout/i);
    expect(unavailableSubgraph(await slow.catch((e: unknown) => e))).toBe('t');
    expect(Date.now() - started).toBeLessThan(2000);
    await client.close();
  });

  it('reports an unreachable subgraph clearly', async () => {
    const client = new SubgraphClient({ name: 'gone', url: 'http://127.0.0.1:1/graphql', signingKey, timeoutMs: 500, connections: 1, dedupe: true });
    const refused = call(client, '{ a }', null);
    await expect(refused).rejects.toThrow(/Couldn't reach subgraph gone: ECONNREFUSED/);
    // Recognised by type, whatever the message says (the gateway's SUBGRAPH_UNAVAILABLE).
    expect(unavailableSubgraph(await refused.catch((e: unknown) => e))).toBe('gone');
    await client.close();
  });

  it('counts an answer cut off, and a proxy answering 503, as an unavailable subgraph (by type, not message)', async () => {
    const client = new SubgraphClient({ ...options, url, dedupe: false });
    const cut = await call(client, '{ cutoff }', null).catch((e: unknown) => e);
    expect(cut).toBeInstanceOf(SubgraphUnavailableError);
    expect(unavailableSubgraph(cut)).toBe('t');
    const proxied = await call(client, '{ unavailable }', null).catch((e: unknown) => e);
    expect(proxied).toBeInstanceOf(SubgraphHttpError);
    expect((proxied as SubgraphHttpError).status).toBe(503);
    expect(unavailableSubgraph(proxied)).toBe('t');
    // An ordinary error whose text happens to read like a network failure is not one.
    expect(unavailableSubgraph(new Error("Couldn't reach subgraph t: ECONNREFUSED"))).toBeUndefined();
    await client.close();
  });

  it('reads cache hints like Apollo does', () => {
    expect(cacheHint('max-age=30, public')).toEqual({ maxAge: 30, scope: 'PUBLIC' });
    expect(cacheHint('max-age=0, private')).toEqual({ maxAge: 0, scope: 'PRIVATE' });
    expect(cacheHint(undefined)).toEqual({ maxAge: 0 });
  });

  describe('with the subgraph cache', () => {
    // As the gateway calls it for a client request: the hint restricts the response's policy.
    function incoming(client: SubgraphClient, query: string, ctx: Record<string, unknown>) {
      const hints: unknown[] = [];
      const overallCachePolicy = { restrict: (h: unknown) => hints.push(h) };
      const result = client.process({
        kind: GraphQLDataSourceRequestKind.INCOMING_OPERATION,
        request: { query, variables: {} },
        context: ctx,
        incomingRequestContext: { overallCachePolicy } as never,
      });
      return result.then((r) => ({ ...r, hints }));
    }
    const user = (userId: string, requestId = userId) => ({ userId, partnerId: null, requestId });

    it('answers a public query from the cache, for every caller, with a copy each', async () => {
      const client = new SubgraphClient({ ...options, url, dedupe: true, cache: new SubgraphAnswerCache() });
      const first = await incoming(client, '{ cached }', user('u1'));
      const second = await incoming(client, '{ cached }', user('u2'));
      const third = await incoming(client, '{ cached }', user('u3'));
      expect(seen).toHaveLength(1);
      expect(second.data).toEqual(first.data);
      expect(third.data).toEqual(first.data);
      expect(third.data).not.toBe(second.data);
      expect(second.hints).toEqual([{ maxAge: expect.any(Number), scope: 'PUBLIC' }]);
      expect((second.hints[0] as { maxAge: number }).maxAge).toBeGreaterThanOrEqual(29);
      await client.close();
    });

    it('never caches private answers or mutations', async () => {
      const client = new SubgraphClient({ ...options, url, dedupe: false, cache: new SubgraphAnswerCache() });
      for (let i = 0; i < 3; i++) await incoming(client, '{ private }', user('u1'));
      for (let i = 0; i < 3; i++) await incoming(client, 'mutation { m }', user('u1'));
      expect(seen).toHaveLength(6);
      await client.close();
    });

    it('caches a public operation batched with a private one, by its own hint', async () => {
      const client = new SubgraphClient({ ...options, url, dedupe: true, batch: true, cache: new SubgraphAnswerCache() });
      const page = (requestId: string) => {
        const ctx = user('u1', requestId);
        return Promise.all([incoming(client, '{ viewer private }', ctx), incoming(client, '{ summary }', ctx)]);
      };
      const [viewer, summary] = await page('p1');
      expect(seen).toHaveLength(1);
      expect(viewer.hints).toEqual([{ maxAge: 30, scope: 'PRIVATE' }]);
      expect(summary.hints).toEqual([{ maxAge: 30, scope: 'PUBLIC' }]);
      seen.length = 0;
      const [, summary2] = await page('p2');
      // Only the private operation went out, on its own.
      expect(seen.map((s) => JSON.parse(s.body).query)).toEqual(['{ viewer private }']);
      expect(summary2.data).toEqual(summary.data);
      await client.close();
    });

    it('lets a caller who has just written read past the cache, and refreshes it for the others', async () => {
      const client = new SubgraphClient({ ...options, url, dedupe: true, cache: new SubgraphAnswerCache() });
      const before = await incoming(client, '{ summary }', user('writer'));
      await incoming(client, 'mutation { rate }', user('writer'));
      const own = await incoming(client, '{ summary }', user('writer'));
      expect(seen).toHaveLength(3);
      expect(own.data).not.toEqual(before.data);
      // Others get the refreshed answer from the cache.
      const other = await incoming(client, '{ summary }', user('reader'));
      expect(seen).toHaveLength(3);
      expect(other.data).toEqual(own.data);
      await client.close();
    });

    it('caches nothing without a cache', async () => {
      const client = new SubgraphClient({ ...options, url, dedupe: true });
      for (let i = 0; i < 3; i++) await incoming(client, '{ uncached }', user(`u${i}`));
      expect(seen).toHaveLength(3);
      await client.close();
    });
  });
});
