import http from 'node:http';
import { GraphQLDataSourceRequestKind } from '@apollo/gateway/dist/datasources/types';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { execute, parse } from 'graphql';
import { Registry } from 'prom-client';
import { SubgraphClient } from '../../gateway/subgraph-client';
import type { Generations } from '../../gateway/entity-cache/generations';
import { SubgraphAnswerCache } from '../../gateway/subgraph-cache';
import { generateGatewayKeys } from '../../platform/identity';

/**
 * The subgraph client's per-entity cache (SUBGRAPH_ENTITY_CACHE) against an in-process subgraph
 * that executes a real subgraph schema and says `max-age=30, public` — or `private` when the
 * operation asks for the viewer's field, as Apollo Server's cache control would.
 */
const schema = buildSubgraphSchema({
  typeDefs: parse(`
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
    type Film @key(fields: "id") { id: ID! title: String score(scale: Int): Int mine: Int }
    type Query { top: [Film] }
  `),
  resolvers: {
    Film: {
      __resolveReference: (ref: { id: string }) => ({ id: ref.id, title: `Film ${ref.id}` }),
      score: (f: { id: string }, args: { scale?: number }) => {
        if (f.id === 'flaky') throw new Error('score unavailable');
        return f.id.length * (args.scale ?? 1);
      },
      mine: () => 1,
    },
  },
});

const signingKey = generateGatewayKeys().signingKey;
let server: http.Server;
let url: string;
/** The representations' ids of every operation the subgraph received. */
let received: string[][] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const op = JSON.parse(body) as { query: string; variables: { representations: { id: string }[] } };
      received.push(op.variables.representations.map((r) => r.id));
      void Promise.resolve(execute({ schema, document: parse(op.query), variableValues: op.variables })).then((result) => {
        res.setHeader('content-type', 'application/json');
        res.setHeader('cache-control', op.query.includes('mine') ? 'max-age=0, private' : 'max-age=30, public');
        res.end(JSON.stringify(result));
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}/graphql`;
});
afterAll(() => new Promise((r) => server.close(r)));
beforeEach(() => (received = []));

const QUERY = 'query ($representations: [_Any!]!, $scale: Int) { _entities(representations: $representations) { ... on Film { title score(scale: $scale) } } }';
const PRIVATE = 'query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on Film { title mine } } }';
const film = (id: string) => ({ __typename: 'Film', id });

function fetchFilms(client: SubgraphClient, ids: string[], opts: { query?: string; scale?: number; userId?: string } = {}) {
  const hints: { maxAge: number; scope?: string }[] = [];
  return client
    .process({
      kind: GraphQLDataSourceRequestKind.INCOMING_OPERATION,
      request: { query: opts.query ?? QUERY, variables: { representations: ids.map(film), ...(opts.scale ? { scale: opts.scale } : {}) } },
      context: { userId: opts.userId ?? null, partnerId: null, requestId: 'r' },
      incomingRequestContext: { overallCachePolicy: { restrict: (h: { maxAge: number; scope?: string }) => hints.push(h) } } as never,
    })
    .then((r) => ({ ...r, hints }));
}

/** What the subgraph answers when asked for every representation. */
async function direct(ids: string[], scale?: number) {
  const r = await execute({ schema, document: parse(QUERY), variableValues: { representations: ids.map(film), scale } });
  return JSON.parse(JSON.stringify(r)) as { data: unknown; errors?: unknown[] };
}

const client = (registry?: Registry, generations?: Generations) =>
  new SubgraphClient({
    name: 'films',
    url,
    signingKey,
    timeoutMs: 2000,
    connections: 2,
    dedupe: true,
    distinctRepresentations: true,
    cache: new SubgraphAnswerCache({ registry }),
    entityCache: true,
    generations,
    registry,
  });

describe('the per-entity cache of the subgraph client', () => {
  it('sends only the entities it does not keep, and answers as the subgraph would to all of them', async () => {
    const registry = new Registry();
    const c = client(registry);
    await fetchFilms(c, ['1', '22']);
    const mixed = await fetchFilms(c, ['22', '333', '1', '333']);
    expect(received).toEqual([['1', '22'], ['333']]);
    expect(JSON.stringify(mixed.data)).toBe(JSON.stringify((await direct(['22', '333', '1', '333'])).data));
    expect(mixed.errors).toBeUndefined();
    // The subgraph's hint for the part fetched, and the kept part's remaining seconds.
    expect(mixed.hints[0]).toEqual({ maxAge: 30, scope: 'PUBLIC' });
    expect(mixed.hints[1].scope).toBe('PUBLIC');
    expect(mixed.hints[1].maxAge).toBeGreaterThanOrEqual(29);
    // All kept: no call at all.
    const all = await fetchFilms(c, ['333', '1']);
    expect(received).toHaveLength(2);
    expect(all.data).toEqual((await direct(['333', '1'])).data);
    const metrics = await registry.getSingleMetric('marquee_gateway_entity_cache_total')!.get();
    const count = (result: string) => metrics.values.find((v) => v.labels.result === result)?.value;
    expect([count('hit'), count('miss')]).toEqual([2 + 2, 2 + 2]);
    await c.close();
  });

  it('keeps no entity answered with an error, and gives the error at its original position', async () => {
    const c = client();
    await fetchFilms(c, ['1', 'flaky']);
    const again = await fetchFilms(c, ['flaky', '1']);
    expect(received).toEqual([['1', 'flaky'], ['flaky']]);
    const want = await direct(['flaky', '1']);
    expect(JSON.parse(JSON.stringify({ data: again.data, errors: again.errors }))).toEqual({ data: want.data, errors: want.errors });
    expect(again.errors?.[0].path).toEqual(['_entities', 0, 'score']);
    await c.close();
  });

  it('with the generations unknown (Redis down) sends the fetch whole, folded, and keeps nothing', async () => {
    // A fake of our own Generations: nothing memoised, and the read fails as with Redis down.
    const down = { peek: () => undefined, read: () => Promise.reject(new Error('redis down')) } as unknown as Generations;
    const c = client(undefined, down);
    const first = await fetchFilms(c, ['1', '22', '1']);
    await fetchFilms(c, ['1', '22', '1']);
    expect(received).toEqual([
      ['1', '22'],
      ['1', '22'],
    ]);
    expect(first.data).toEqual((await direct(['1', '22', '1'])).data);
    expect(first.hints).toEqual([{ maxAge: 30, scope: 'PUBLIC' }]);
    await c.close();
  });

  it('keys entities by the rest of the variables, and never keeps a private answer', async () => {
    const c = client();
    await fetchFilms(c, ['1']);
    const scaled = await fetchFilms(c, ['1'], { scale: 10 });
    expect(scaled.data).toEqual({ _entities: [{ title: 'Film 1', score: 10 }] });
    await fetchFilms(c, ['1'], { query: PRIVATE, userId: 'u1' });
    await fetchFilms(c, ['1'], { query: PRIVATE, userId: 'u2' });
    expect(received).toEqual([['1'], ['1'], ['1'], ['1']]);
    await c.close();
  });
});
