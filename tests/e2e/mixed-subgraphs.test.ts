import http from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { composeServices } from '@apollo/composition';
import { execute, parse } from 'graphql';
import { createYoga } from 'graphql-yoga';
import { loadGatewayConfig } from '../../gateway/config';
import { startGateway, type RunningGateway } from '../../gateway/server';
import { createLogger } from '../../platform/logger';
import { createMetricsRegistry } from '../../platform/metrics';
import { postGraphQL, testSecret } from '../support/graphql';

/**
 * A supergraph of three subgraph servers, under the gateway's defaults (batching on): Apollo
 * Server taking batches, graphql-yoga refusing them (400 "Batching is not supported."), and a
 * server that answers a batch with the first operation's result alone. Every field must arrive:
 * the gateway recognises a refusal by the answer's status and shape, never its wording.
 */
type Thing = { id: string };
const THINGS: Record<string, Thing> = { t1: { id: 't1' }, t2: { id: 't2' } };

const products = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
  type Query { b: Thing bb: Thing }
  type Thing @key(fields: "id") { id: ID! name: String }
`);
const inventory = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
  type Thing @key(fields: "id") { id: ID! stock: Int }
`);
const reviews = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
  type Thing @key(fields: "id") { id: ID! score: Int }
`);

const entity = (extra: (t: Thing) => Record<string, unknown>) => ({
  Thing: { __resolveReference: (ref: Thing) => (THINGS[ref.id] ? { ...THINGS[ref.id], ...extra(THINGS[ref.id]) } : null) },
});

const named = (t: Thing) => ({ ...t, name: `name-${t.id}` });

/** Bodies each subgraph received, to count batches. */
const received: Record<string, unknown[]> = { inventory: [], reviews: [] };

function listen(server: http.Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as { port: number }).port}/graphql`)));
}

/** Records each request's parsed body, then hands the request (body re-supplied) to `next`. */
function recording(name: string, next: (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void): http.Server {
  return http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (body) received[name].push(JSON.parse(body));
      next(req, res, body);
    });
  });
}

const servers: http.Server[] = [];
let apollo: ApolloServer;
let gateway: RunningGateway;

beforeAll(async () => {
  apollo = new ApolloServer({
    schema: buildSubgraphSchema({ typeDefs: products, resolvers: { Query: { b: () => named(THINGS.t1), bb: () => named(THINGS.t2) }, ...entity(named) } }),
    allowBatchedHttpRequests: true,
  });
  const { url: productsUrl } = await startStandaloneServer(apollo, { listen: { port: 0, host: '127.0.0.1' } });

  // graphql-yoga as it comes: batching off.
  const yoga = createYoga({
    schema: buildSubgraphSchema({ typeDefs: inventory, resolvers: entity((t) => ({ stock: t.id === 't1' ? 5 : 7 })) }),
    logging: false,
  });
  const yogaServer = recording('inventory', (req, res, body) => {
    void Promise.resolve(yoga.fetch(`http://localhost${req.url}`, { method: req.method, headers: { 'content-type': 'application/json' }, body })).then(
      async (r: Response) => {
        res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/json' });
        res.end(await r.text());
      },
    );
  });

  // Answers a batch with the first operation's result only, as an object.
  const reviewsSchema = buildSubgraphSchema({ typeDefs: reviews, resolvers: entity((t) => ({ score: t.id === 't1' ? 3 : 4 })) });
  const run = (op: { query: string; variables?: Record<string, unknown> }) =>
    execute({ schema: reviewsSchema, document: parse(op.query), variableValues: op.variables });
  const firstOnly = recording('reviews', (_req, res, body) => {
    const parsed = JSON.parse(body) as { query: string } | { query: string }[];
    void Promise.resolve(run(Array.isArray(parsed) ? parsed[0] : parsed)).then((result) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(result));
    });
  });

  servers.push(yogaServer, firstOnly);
  const inventoryUrl = await listen(yogaServer);
  const reviewsUrl = await listen(firstOnly);
  const composed = composeServices([
    { name: 'products', typeDefs: products, url: productsUrl },
    { name: 'inventory', typeDefs: inventory, url: inventoryUrl },
    { name: 'reviews', typeDefs: reviews, url: reviewsUrl },
  ]);
  if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
  const supergraphPath = path.join(mkdtempSync(path.join(tmpdir(), 'mixed-')), 'supergraph.graphql');
  writeFileSync(supergraphPath, composed.supergraphSdl);

  const cfg = loadGatewayConfig({
    GATEWAY_PORT: '0',
    SUPERGRAPH_PATH: supergraphPath,
    JWT_SECRET: testSecret(),
    LOG_LEVEL: 'silent',
    APOLLO_PATCHES: process.env.APOLLO_PATCHES,
  });
  gateway = await startGateway(cfg, testSecret(), createLogger('gateway', 'silent'), createMetricsRegistry('gateway'));
}, 60_000);

afterAll(async () => {
  await gateway?.stop();
  await apollo?.stop();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

const QUERY = '{ b { id name stock score } bb { id name stock score } }';
const EXPECTED = { b: { id: 't1', name: 'name-t1', stock: 5, score: 3 }, bb: { id: 't2', name: 'name-t2', stock: 7, score: 4 } };
const batches = (name: string) => received[name].filter(Array.isArray).length;

describe('a supergraph mixing Apollo and other subgraph servers, under the defaults', () => {
  it('answers every field when graphql-yoga refuses a batch and another server answers one with an object', async () => {
    const res = await postGraphQL(gateway.url, QUERY);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data).toEqual(EXPECTED);
    // Each got the two entity fetches of the plan's Parallel node as one batch…
    expect(batches('inventory')).toBe(1);
    expect(batches('reviews')).toBe(1);
  });

  it('remembers the refusal: the next requests send those subgraphs single calls', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await postGraphQL(gateway.url, QUERY);
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data).toEqual(EXPECTED);
    }
    expect(batches('inventory')).toBe(1);
    expect(batches('reviews')).toBe(1);
    expect(received.inventory.length).toBe(1 + 2 + 3 * 2);
  });
});
