import { readFileSync } from 'node:fs';
import { composeServices } from '@apollo/composition';
import { ApolloGateway, LocalGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse, type GraphQLSchema } from 'graphql';
import { forTests, install, type ExecuteQueryPlan } from '../../gateway/apollo-patches/execute-plan';
import { foldRepresentations, unfoldAnswer } from '../../gateway/subgraph-client/representations';
import { GUILD_QUERY } from '../../workloads/guild/query';
import { GUILD_SDL, guildSubgraphSchema, type GuildSubgraphName } from '../../workloads/guild/subgraphs';

/**
 * The execute-plan patch against Apollo's own executeQueryPlan, on real plans and real subgraph
 * executions (LocalGraphQLDataSource over @apollo/subgraph schemas): the same response — data,
 * errors with their paths and codes, extensions — for every operation, each run by both. Two
 * supergraphs: The Guild's (deep answers whose entities repeat at many paths) and a small one
 * built to fail: entities that throw, fields that throw, missing entities, @requires on failed
 * fetches, conditions, introspection.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the module object the gateway calls executeQueryPlan through
const mod = require('@apollo/gateway/dist/executeQueryPlan') as { executeQueryPlan: ExecuteQueryPlan };
const apollo = mod.executeQueryPlan;
const patched = forTests(apollo);

const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@external", "@requires", "@shareable"])';
type Ref = Record<string, string>;
const USERS = ['1', '2', '3', '4'];
const PRODUCTS = ['1', '2', '3', 'bad'];
// Every user reviewed every product: the same product and author at many paths.
const REVIEWS = USERS.flatMap((u) => PRODUCTS.map((p) => ({ id: `${u}-${p}`, user: u, upc: p })));

const FAILING: Record<string, { sdl: string; resolvers: Record<string, unknown> }> = {
  accounts: {
    sdl: `${LINK} type Query { users: [User] user(id: ID!): User } type User @key(fields: "id") { id: ID! name: String }`,
    resolvers: {
      Query: { users: () => [...USERS, '9'].map((id) => ({ id })), user: (_: unknown, { id }: Ref) => ({ id }) },
      User: {
        // "9" does not exist; "3"'s name fails.
        __resolveReference: (ref: Ref) => (ref.id === '9' ? null : { id: ref.id }),
        name: (u: Ref) => {
          if (u.id === '3') throw new Error('name withheld');
          return `user ${u.id}`;
        },
      },
    },
  },
  reviews: {
    sdl: `${LINK}
      type Review @key(fields: "id") { id: ID! body: String author: User product: Product }
      type User @key(fields: "id") { id: ID! reviews: [Review] }
      type Product @key(fields: "upc") { upc: String! reviews: [Review] }`,
    resolvers: {
      Review: {
        __resolveReference: (ref: Ref) => REVIEWS.find((r) => r.id === ref.id) ?? null,
        body: (r: { id: string }) => `review ${r.id}`,
        author: (r: { user: string }) => ({ id: r.user }),
        product: (r: { upc: string }) => ({ upc: r.upc }),
      },
      User: { reviews: (u: Ref) => REVIEWS.filter((r) => r.user === u.id) },
      Product: { reviews: (p: Ref) => REVIEWS.filter((r) => r.upc === p.upc) },
    },
  },
  products: {
    sdl: `${LINK} type Query { top: [Product] } type Product @key(fields: "upc") { upc: String! name: String price: Int weight: Int }`,
    resolvers: {
      Query: { top: () => PRODUCTS.map((upc) => ({ upc })) },
      Product: {
        // A field of one entity fails, with a code: its error is reported at every path the product is at.
        name: (p: Ref) => {
          if (p.upc === 'bad') throw Object.assign(new Error('no such product'), { extensions: { code: 'NOT_FOUND' } });
          return `product ${p.upc}`;
        },
        price: (p: Ref) => Number(p.upc) * 100,
        weight: (p: Ref) => Number(p.upc) * 10,
      },
    },
  },
  inventory: {
    sdl: `${LINK} type Product @key(fields: "upc") { upc: String! price: Int @external weight: Int @external ship: Int @requires(fields: "price weight") stock: Int }`,
    resolvers: {
      Product: {
        ship: (p: { upc: string; price?: number; weight?: number }) => {
          if (p.upc === '2') throw new Error('cannot ship');
          return (p.price ?? 0) + (p.weight ?? 0);
        },
        stock: (p: Ref) => (p.upc === '3' ? null : 5),
      },
    },
  },
};

/** Representations sent to subgraphs, counted by the data sources. */
const sent = { plain: 0, folding: 0 };

/**
 * A subgraph executed in process, sending each distinct representation once as Marquee's
 * subgraph client does (subgraph-client/representations.ts): with it, entities the gateway
 * finds at several paths are one object, which is where the patch's per-object work shows.
 */
class FoldingDataSource extends LocalGraphQLDataSource {
  override async process(options: Parameters<LocalGraphQLDataSource['process']>[0]): ReturnType<LocalGraphQLDataSource['process']> {
    const folding = foldRepresentations(options.request.variables);
    const variables = folding ? folding.variables : options.request.variables;
    sent.folding += (variables?.representations as unknown[] | undefined)?.length ?? 0;
    const res = await super.process({ ...options, request: { ...options.request, variables } });
    if (!folding) return res;
    const { data, errors } = unfoldAnswer(folding, res.data, res.errors);
    return { ...res, data, errors };
  }
}

class CountingDataSource extends LocalGraphQLDataSource {
  override process(options: Parameters<LocalGraphQLDataSource['process']>[0]): ReturnType<LocalGraphQLDataSource['process']> {
    sent.plain += (options.request.variables?.representations as unknown[] | undefined)?.length ?? 0;
    return super.process(options);
  }
}

interface Servers {
  /** Apollo's gateway as it comes. */
  plain: ApolloServer;
  /** With representations folded by the data sources. */
  folding: ApolloServer;
}

async function gatewayServers(services: { name: string; sdl: string; schema: GraphQLSchema }[]): Promise<Servers> {
  const composed = composeServices(services.map((s) => ({ name: s.name, url: `http://${s.name}.invalid/graphql`, typeDefs: parse(s.sdl) })));
  if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('; '));
  const schemas = Object.fromEntries(services.map((s) => [s.name, s.schema]));
  const start = async (Source: typeof LocalGraphQLDataSource) => {
    const gateway = new ApolloGateway({ supergraphSdl: composed.supergraphSdl, buildService: ({ name }) => new Source(schemas[name]) });
    const server = new ApolloServer({ gateway, includeStacktraceInErrorResponses: false });
    await server.start();
    return server;
  };
  return { plain: await start(CountingDataSource), folding: await start(FoldingDataSource) };
}

let failing: Servers;
let guild: Servers;

beforeAll(async () => {
  failing = await gatewayServers(
    Object.entries(FAILING).map(([name, s]) => ({
      name,
      sdl: s.sdl,
      schema: buildSubgraphSchema({ typeDefs: parse(s.sdl), resolvers: s.resolvers as never }),
    })),
  );
  guild = await gatewayServers(
    (Object.keys(GUILD_SDL) as GuildSubgraphName[]).map((name) => ({ name, sdl: GUILD_SDL[name], schema: guildSubgraphSchema(name) })),
  );
});

afterAll(async () => {
  for (const s of [failing, guild]) await Promise.all([s?.plain.stop(), s?.folding.stop()]);
  mod.executeQueryPlan = apollo;
});

/** Apollo's executeQueryPlan over plain data sources; this one over plain and over folding ones. */
async function both(
  servers: Servers,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<{ apollo: string; patched: string; patchedFolding: string }> {
  const run = async (impl: ExecuteQueryPlan, server: ApolloServer) => {
    mod.executeQueryPlan = impl;
    const res = await server.executeOperation({ query, variables });
    return JSON.stringify(res.body);
  };
  try {
    return { apollo: await run(apollo, servers.plain), patched: await run(patched, servers.plain), patchedFolding: await run(patched, servers.folding) };
  } finally {
    mod.executeQueryPlan = apollo;
  }
}

const GUILD_FRAGMENTS = GUILD_QUERY.slice(0, GUILD_QUERY.indexOf('query TestQuery'));

describe('execute-plan patch: the same responses as Apollo’s executeQueryPlan', () => {
  it.each([
    ['the Guild query', GUILD_QUERY, {}],
    [
      'a deep aliased user',
      `${GUILD_FRAGMENTS}query ($id: ID!) { a: user(id: $id) { ...User reviews { ...Review author { ...User reviews { id product { ...Product } } } } } b: user(id: "4") { id name } }`,
      { id: '2' },
    ],
    [
      '@include and __typename',
      `${GUILD_FRAGMENTS}query ($deep: Boolean!) { me { __typename ...User reviews { __typename ...Review product @include(if: $deep) { __typename ...Product reviews { id author { username } } } } } }`,
      { deep: true },
    ],
    [
      '@skip true',
      `${GUILD_FRAGMENTS}query ($skip: Boolean!) { user(id: "99") { ...User reviews { ...Review } } users @skip(if: $skip) { id } topProducts(first: 2) { ...Product } }`,
      { skip: true },
    ],
  ])('Guild supergraph: %s', async (_label, query, variables) => {
    const r = await both(guild, query, variables);
    expect(r.apollo).toContain('"data":{');
    expect(r.patched).toBe(r.apollo);
    expect(r.patchedFolding).toBe(r.apollo);
  });

  it.each([
    [
      'repeated entities, failing entities and fields',
      `{ users { id name reviews { id body product { upc name price ship stock reviews { id author { id name } } } } } }`,
    ],
    [
      '@requires over failing and repeated products',
      `{ top { upc ship stock reviews { product { upc ship name } author { name reviews { product { ship } } } } } }`,
    ],
    ['a missing user and a failing name', `{ a: user(id: "9") { id name reviews { id } } b: user(id: "3") { name } }`],
    ['introspection beside entities', `{ __schema { queryType { name } } __type(name: "Product") { fields { name } } top { upc name __typename } }`],
    ['conditions', `query ($x: Boolean!) { top { upc name @include(if: $x) ship @skip(if: $x) reviews @include(if: $x) { author { name } } } }`],
  ])('failing supergraph: %s', async (_label, query) => {
    const r = await both(failing, query, { x: true });
    expect(r.apollo).toContain('"data":');
    expect(r.patched).toBe(r.apollo);
    expect(r.patchedFolding).toBe(r.apollo);
  });

  it('the failing supergraph does fail: errors at repeated paths, with codes', async () => {
    sent.plain = sent.folding = 0;
    const r = await both(failing, `{ users { reviews { product { name ship } } } }`);
    // Over plain sources (two runs) Apollo asks for five users' reviews, then for each product once
    // per review (4 users × 4 products), from products and again from inventory; folded, for each
    // distinct user and product once.
    expect(sent.plain).toBe(2 * (5 + 16 + 16));
    expect(sent.folding).toBe(5 + 4 + 4);
    const body = JSON.parse(r.patchedFolding) as { singleResult: { errors: { path: unknown[]; extensions: { code: string } }[] } };
    const errors = body.singleResult.errors;
    // The failing product is reviewed by four users, "cannot ship" is product 2's for each: one error per path.
    expect(errors.filter((e) => e.extensions.code === 'NOT_FOUND').length).toBe(4);
    expect(errors.filter((e) => JSON.stringify(e).includes('cannot ship')).length).toBe(4);
    expect(r.patched).toBe(r.apollo);
    expect(r.patchedFolding).toBe(r.apollo);
  });

  it('takes effect: the gateway calls executeQueryPlan through the module object install() writes to', () => {
    const src = readFileSync(require.resolve('@apollo/gateway/dist/index.js'), 'utf8');
    expect(src).toMatch(/\(0, executeQueryPlan_1\.executeQueryPlan\)\(/);
    install();
    try {
      expect(mod.executeQueryPlan).not.toBe(apollo);
    } finally {
      mod.executeQueryPlan = apollo;
    }
  });
});
