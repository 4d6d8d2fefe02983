import { ApolloServer } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { Counter, Registry } from 'prom-client';
import { formatGatewayError } from '../../gateway/graphql/errors';
import { createArmor } from '../../gateway/graphql/limits';
import { SubgraphHttpError, SubgraphUnavailableError } from '../../gateway/subgraph-client';

/** The gateway's error formatting recognises errors by type: armor's refusals by the rule that made them, unreachable subgraphs by the client's error classes. */
const typeDefs = 'type Query { a: A } type A { a: A, b: String }';
const resolvers = { Query: { a: () => ({}) }, A: { a: () => ({}), b: () => 'x' } };

function errorCounter() {
  const registry = new Registry();
  return { registry, errors: new Counter({ name: 'test_errors_total', help: 'errors', labelNames: ['code'], registers: [registry] }) };
}

describe('operation limits, tagged through graphql-armor rejection callbacks', () => {
  const { registry, errors } = errorCounter();
  const armor = createArmor({ MAX_DEPTH: 3, MAX_ALIASES: 2, MAX_DIRECTIVES: 2 });
  // Production: the codes must survive masking, with armor's own messages.
  const server = new ApolloServer({
    typeDefs,
    resolvers,
    validationRules: armor.validationRules,
    plugins: armor.plugins,
    formatError: formatGatewayError(true, errors),
  });
  beforeAll(() => server.start());
  afterAll(() => server.stop());

  async function run(query: string) {
    const res = await server.executeOperation({ query });
    if (res.body.kind !== 'single') throw new Error('expected a single result');
    return { status: res.http.status, errors: res.body.singleResult.errors ?? [] };
  }

  it.each([
    ['depth', '{ a { a { a { a { b } } } } }', 'QUERY_TOO_DEEP', /^Syntax Error: Query depth limit of 3 exceeded, found 5\.$/],
    ['aliases', '{ x: a { b } y: a { b } z: a { b } }', 'TOO_MANY_ALIASES', /^Syntax Error: Aliases limit of 2 exceeded, found 3\.$/],
    [
      'directives',
      '{ a @include(if: true) { b @include(if: true) } c: a @skip(if: false) { b } }',
      'TOO_MANY_DIRECTIVES',
      /^Syntax Error: Directives limit of 2 exceeded, found 3\.$/,
    ],
  ])('refuses too much %s with HTTP 400 and its own code', async (_kind, query, code, message) => {
    const { status, errors: found } = await run(query);
    expect(status).toBe(400);
    expect(found).toHaveLength(1);
    expect(found[0].extensions?.code).toBe(code);
    expect(found[0].message).toMatch(message);
  });

  it('leaves other validation and parse errors with Apollo’s codes', async () => {
    expect((await run('{ nope }')).errors.map((e) => e.extensions?.code)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect((await run('{ a { b }')).errors.map((e) => e.extensions?.code)).toEqual(['GRAPHQL_PARSE_FAILED']);
    expect((await run('{ a { a { b } } }')).errors).toEqual([]);
  });

  it('counts refusals by their code', async () => {
    await run('{ x: a { b } y: a { b } z: a { b } }');
    expect(await registry.getSingleMetricAsString('test_errors_total')).toMatch(/test_errors_total\{code="TOO_MANY_ALIASES"\} [1-9]/);
  });
});

describe('subgraphs that cannot be reached', () => {
  const { errors } = errorCounter();
  const format = formatGatewayError(false, errors);
  // How Apollo formats an error a subgraph client threw: its message, no code of its own.
  const thrown = {
    message: "Couldn't reach subgraph ratings: ECONNREFUSED connect ECONNREFUSED",
    path: ['movie', 'ratingSummary'],
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  };
  const unavailable = {
    message: 'The ratings service is unavailable; these fields could not be loaded.',
    path: ['movie', 'ratingSummary'],
    extensions: { code: 'SUBGRAPH_UNAVAILABLE', service: 'ratings' },
  };

  it('become SUBGRAPH_UNAVAILABLE naming the subgraph, also when wrapped, and for a proxy’s 503', () => {
    expect(format(thrown, new SubgraphUnavailableError('ratings', thrown.message))).toEqual(unavailable);
    expect(format(thrown, new GraphQLError(thrown.message, { originalError: new SubgraphUnavailableError('ratings', thrown.message) }))).toEqual(unavailable);
    expect(format(thrown, new SubgraphHttpError('ratings', 503, '503: subgraph ratings answered no healthy upstream'))).toEqual(unavailable);
  });

  it('are told by type, not by words in a message', () => {
    // A subgraph that failed (500), or any error whose text reads like a network failure, keeps its own code.
    expect(format(thrown, new SubgraphHttpError('ratings', 500, '500: subgraph ratings answered timeout'))).toEqual(thrown);
    expect(format(thrown, new Error(thrown.message))).toEqual(thrown);
  });
});
