// The operators' cache invalidation endpoint over HTTP, on the shared redis-server: what it bumps
// is what a cached entry depends on, so a second replica (another Generations) reads the change.
import type { AddressInfo } from 'node:net';
import http from 'node:http';
import express from 'express';
import { Counter, Registry } from 'prom-client';
import { fetchDependencies } from '../../gateway/entity-cache/fetch-deps';
import { Generations } from '../../gateway/entity-cache/generations';
import { createAuthFailureLimiter, credentialGuard } from '../../gateway/pipeline/auth-failures';
import { httpErrors, notFound } from '../../gateway/pipeline/body';
import { cacheInvalidation, INVALIDATION_PATH } from '../../gateway/pipeline/cache-invalidation';
import { createLogger } from '../../platform/logger';
import { servers } from '../support/env';
import { redisClients } from '../support/redis-clients';

const TOKEN = 'op-'.padEnd(40, 'x');
const logger = createLogger('cache-invalidation-test', 'silent');

function serve(app: express.Express): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer(app);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}${INVALIDATION_PATH}`, close: () => new Promise((r) => server.close(() => r())) });
    }),
  );
}

function app(token: string | undefined, generations: Generations | undefined, authFailuresPerMinute = 20) {
  const registry = new Registry();
  const rateLimited = new Counter({ name: 'rl', help: 'rl', labelNames: ['kind'], registers: [registry] });
  const credentials = credentialGuard(createAuthFailureLimiter(authFailuresPerMinute), rateLimited, logger);
  const a = express();
  a.use(cacheInvalidation({ token, generations, credentials, logger }));
  a.use(notFound());
  a.use(httpErrors('100kb', logger));
  return a;
}

const post = (url: string, body: string, authorization?: string) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) }, body }).then(async (r) => ({
    status: r.status,
    body: (await r.json()) as { count?: number; errors?: { message: string; extensions: { code: string } }[] },
  }));

describe('POST /cache/invalidation', () => {
  const { ready } = redisClients();

  it('bumps what entries of a tag, an entity, a type or a subgraph depend on, seen by another replica', async () => {
    const url0 = servers().redis;
    const replica = new Generations(await ready(url0), await ready(url0), 60_000);
    const operator = new Generations(await ready(url0), await ready(url0), 60_000);
    await new Promise((r) => setTimeout(r, 100));
    const server = await serve(app(TOKEN, operator));
    try {
      const film = `inv-${Date.now()}`;
      const deps = fetchDependencies('ratings', { representations: [{ __typename: 'Movie', id: film }] });
      const before = await replica.read(deps);
      const res = await post(
        server.url,
        JSON.stringify([
          { kind: 'cache_tag', cache_tag: `movie-${film}` },
          { kind: 'entity', subgraph: 'ratings', type: 'Movie', key: { id: film } },
        ]),
        `Bearer ${TOKEN}`,
      );
      expect(res).toEqual({ status: 200, body: { count: 2 } });
      await new Promise((r) => setTimeout(r, 100));
      const after = await replica.read(deps);
      // subgraph, type, entity, tag: the last two moved by one each.
      expect(after.slice(0, 2)).toEqual(before.slice(0, 2));
      expect(after.slice(2).map(Number)).toEqual(before.slice(2).map((g) => Number(g ?? 0) + 1));

      // One request alone (not in a list) is Apollo's shape too.
      const single = await post(server.url, JSON.stringify({ kind: 'type', subgraph: 'ratings', type: 'Movie' }), `Bearer ${TOKEN}`);
      expect(single).toEqual({ status: 200, body: { count: 1 } });
      await new Promise((r) => setTimeout(r, 100));
      expect(Number((await replica.read(deps))[1])).toBe(Number(before[1] ?? 0) + 1);
    } finally {
      await server.close();
    }
  });

  it('answers 401 for a missing or wrong token, 400 with the offending field for a bad body, 404 when off, 503 without Redis', async () => {
    const url0 = servers().redis;
    const generations = new Generations(await ready(url0), await ready(url0));
    const on = await serve(app(TOKEN, generations));
    const off = await serve(app(undefined, generations));
    const noRedis = await serve(app(TOKEN, undefined));
    const body = JSON.stringify([{ kind: 'subgraph', subgraph: 'ratings' }]);
    const code = (r: Awaited<ReturnType<typeof post>>) => [r.status, r.body.errors?.[0]?.extensions.code];
    try {
      expect(code(await post(on.url, body))).toEqual([401, 'UNAUTHENTICATED']);
      expect(code(await post(on.url, body, `Bearer ${TOKEN}x`))).toEqual([401, 'UNAUTHENTICATED']);
      expect(code(await post(on.url, body, TOKEN))).toEqual([401, 'UNAUTHENTICATED']);
      const bad = await post(
        on.url,
        JSON.stringify([
          { kind: 'subgraph', subgraph: 'ratings' },
          { kind: 'entity', subgraph: 'ratings', type: 'Movie' },
        ]),
        `Bearer ${TOKEN}`,
      );
      expect(code(bad)).toEqual([400, 'INVALID_INVALIDATION']);
      expect(bad.body.errors?.[0]?.message).toMatch(/\[1\]\.key/);
      expect(code(await post(on.url, '[]', `Bearer ${TOKEN}`))).toEqual([400, 'INVALID_INVALIDATION']);
      expect(code(await post(on.url, '{not json', `Bearer ${TOKEN}`))).toEqual([400, 'BAD_REQUEST']);
      expect(code(await post(off.url, body, `Bearer ${TOKEN}`))).toEqual([404, 'NOT_FOUND']);
      expect(code(await post(noRedis.url, body, `Bearer ${TOKEN}`))).toEqual([503, 'CACHE_UNAVAILABLE']);
    } finally {
      await Promise.all([on.close(), off.close(), noRedis.close()]);
    }
  });

  it("counts wrong tokens towards the IP's failed authentications (429 past the budget)", async () => {
    const server = await serve(app(TOKEN, undefined, 2));
    try {
      const body = JSON.stringify({ kind: 'subgraph', subgraph: 'movies' });
      expect((await post(server.url, body, 'Bearer guess-1')).status).toBe(401);
      expect((await post(server.url, body, 'Bearer guess-2')).status).toBe(401);
      expect((await post(server.url, body, 'Bearer guess-3')).status).toBe(429);
      // Refused before the token is checked, even the right one.
      expect((await post(server.url, body, `Bearer ${TOKEN}`)).status).toBe(429);
    } finally {
      await server.close();
    }
  });
});
