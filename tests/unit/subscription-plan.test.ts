import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ApolloGateway, type GraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { execute, parse, type DocumentNode, type ExecutionResult } from 'graphql';
import { LIVE_EVENT_EXTENSION, liveExecutor, type LiveExecutor } from '../../gateway/apollo-patches/subscriptions';

/**
 * The fence around subscription execution (gateway/apollo-patches/subscriptions.ts), against
 * stock @apollo/gateway: the supergraph's subgraphs are in-process schemas whose answers are
 * computed from the entity's id, so the same film fields must come out the same whether stock
 * Apollo executes them as a query (its own, unpatched path) or Marquee's executor runs them per
 * event through the subscription's plan.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const sdl = (name: string) => parse(readFileSync(path.join(ROOT, 'schema', `${name}.graphql`), 'utf8'));
const id = (m: { id: string }) => Number(m.id);

const resolvers: Record<string, Record<string, unknown>> = {
  movies: {
    Query: { movie: (_: unknown, a: { id: string }) => ({ id: a.id }) },
    Movie: { __resolveReference: (r: { id: string }) => r, title: (m: { id: string }) => `Film ${m.id}`, runtime: (m: { id: string }) => 60 + id(m) },
  },
  ratings: {
    Movie: { __resolveReference: (r: { id: string }) => r, ratingSummary: (m: { id: string }) => ({ average: id(m) % 10, count: id(m) * 3 }) },
  },
  notifications: {
    Movie: { __resolveReference: (r: { id: string }) => r, followerCount: (m: { id: string }) => id(m) * 2 },
    Subscription: {
      movieActivity: {
        subscribe: () => {
          throw new Error('not streamed here');
        },
        resolve: (_: unknown, a: { movieId: string }, ctx: { event?: { kind: string } }) => ({ kind: ctx.event?.kind, movie: { id: a.movieId } }),
      },
    },
  },
  availability: {},
};

/** Every call each data source got: the operation and its extensions. */
const calls: { subgraph: string; query: string; extensions?: Record<string, unknown> }[] = [];

function source(name: string): GraphQLDataSource {
  const schema = buildSubgraphSchema({ typeDefs: sdl(name), resolvers: resolvers[name] as never });
  return {
    process: async ({ request }) => {
      calls.push({ subgraph: name, query: request.query!, extensions: request.extensions });
      const event = request.extensions?.[LIVE_EVENT_EXTENSION];
      const result = await execute({
        schema,
        document: parse(request.query!),
        variableValues: request.variables,
        contextValue: { event },
      });
      return JSON.parse(JSON.stringify(result)) as ExecutionResult;
    },
  };
}

let gateway: ApolloGateway;
let server: ApolloServer;
let executor: LiveExecutor;

beforeAll(async () => {
  gateway = new ApolloGateway({
    supergraphSdl: readFileSync(path.join(ROOT, 'schema', 'supergraph.graphql'), 'utf8'),
    buildService: ({ name }) => source(name),
  });
  server = new ApolloServer({ gateway });
  await server.start();
  const made = liveExecutor(gateway);
  if ('unavailable' in made) throw new Error(made.unavailable);
  executor = made;
});

afterAll(async () => {
  await server.stop();
});

const FIELDS = 'title runtime ratingSummary { average count } followerCount';

test('an event runs through the subscription plan and gives what stock Apollo gives for the same fields', async () => {
  const doc: DocumentNode = parse(`subscription A($m: ID!) { movieActivity(movieId: $m) { kind movie { id ${FIELDS} } } }`);
  const plan = executor.plan(doc, 'A');
  expect(plan.subgraph).toBe('notifications');
  expect(plan.rest).toBeDefined();

  calls.length = 0;
  const live = await executor.execute(plan, { type: 'movieActivity', movieId: '603', kind: 'RATING_SUMMARY_CHANGED' }, { m: '603' }, {});
  const liveCalls = [...calls];

  const stock = await server.executeOperation({ query: `query { movie(id: "603") { id ${FIELDS} } }` });
  expect(stock.body.kind).toBe('single');
  const stockMovie = stock.body.kind === 'single' ? (stock.body.singleResult.data as { movie: unknown }).movie : undefined;

  expect(live.errors).toBeUndefined();
  expect(live.data).toEqual({ movieActivity: { kind: 'RATING_SUMMARY_CHANGED', movie: stockMovie } });
  expect(stockMovie).toEqual({ id: '603', title: 'Film 603', runtime: 663, ratingSummary: { average: 3, count: 1809 }, followerCount: 1206 });

  // The primary fetch alone carries the event; the rest are Apollo's entity fetches.
  const primary = liveCalls.filter((c) => c.extensions?.[LIVE_EVENT_EXTENSION]);
  expect(primary).toHaveLength(1);
  expect(primary[0]).toMatchObject({ subgraph: 'notifications', query: expect.stringMatching(/^subscription/) });
  expect(
    liveCalls
      .filter((c) => c.query.includes('_entities'))
      .map((c) => c.subgraph)
      .sort(),
  ).toEqual(['movies', 'ratings']);
});

test('an event the subgraph cannot resolve is an error in the result, not a throw', async () => {
  const plan = executor.plan(parse('subscription { movieActivity(movieId: "7") { kind movie { title } } }'), undefined);
  // No kind: the subgraph's non-null MovieActivity.kind fails, and the root with it.
  const result = await executor.execute(plan, { type: 'movieActivity', movieId: '7' }, {}, {});
  expect(result.data).toBeNull();
  expect(result.errors?.map((e) => e.message)).toEqual([expect.stringContaining('MovieActivity.kind')]);
});

test('untested Apollo versions get no executor', () => {
  const made = liveExecutor(gateway, (pkg) => (pkg === '@apollo/gateway' ? '2.99.0' : '2.14.4'));
  expect(made).toEqual({ unavailable: expect.stringContaining('@apollo/gateway 2.99.0 (tested: 2.14.4)') });
});
