import { buildSubgraphSchema } from '@apollo/subgraph';
import { execute, parse, type GraphQLFormattedError } from 'graphql';
import { foldRepresentations, unfoldAnswer } from '../../gateway/subgraph-client/representations';

/**
 * Folding repeated representations (SUBGRAPH_DEDUPE_REPRESENTATIONS) against a real subgraph
 * schema: the `_entities` answer of the folded request, unfolded, must be what the subgraph
 * answers to the request as the gateway made it — data, and errors with their paths and order.
 */
const schema = buildSubgraphSchema({
  typeDefs: parse(`
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
    type Product @key(fields: "upc") { upc: String! name: String price: Int }
    type Query { top: [Product] }
  `),
  resolvers: {
    Product: {
      // "bad" fails as a whole entity, "gone" does not exist, "cheap" has a failing field.
      __resolveReference: (ref: { upc: string }) => {
        if (ref.upc === 'bad') throw new Error(`no product ${ref.upc}`);
        return ref.upc === 'gone' ? null : { upc: ref.upc, name: `P${ref.upc}` };
      },
      price: (p: { upc: string }) => {
        if (p.upc === 'cheap') throw new Error('price unknown');
        return p.upc.length * 100;
      },
    },
  },
});

const QUERY = parse('query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on Product { name price } } }');

async function run(variables: Record<string, unknown>): Promise<{ data: Record<string, unknown> | null | undefined; errors?: GraphQLFormattedError[] }> {
  const r = await execute({ schema, document: QUERY, variableValues: variables });
  return JSON.parse(JSON.stringify(r)) as { data: Record<string, unknown> | null | undefined; errors?: GraphQLFormattedError[] };
}

const rep = (upc: string) => ({ __typename: 'Product', upc });

describe('representation folding', () => {
  it('sends each distinct representation once, keeping the other variables and their order', () => {
    const folding = foldRepresentations({ first: 2, representations: [rep('1'), rep('2'), rep('1'), rep('1'), rep('3'), rep('2')] });
    expect(folding).toBeDefined();
    expect(Object.keys(folding!.variables)).toEqual(['first', 'representations']);
    expect(folding!.variables.representations).toEqual([rep('1'), rep('2'), rep('3')]);
    expect(folding!.positions).toEqual([0, 1, 0, 0, 2, 1]);
  });

  it('leaves alone what has nothing to fold', () => {
    expect(foldRepresentations(undefined)).toBeUndefined();
    expect(foldRepresentations({ id: '1' })).toBeUndefined();
    expect(foldRepresentations({ representations: [rep('1')] })).toBeUndefined();
    expect(foldRepresentations({ representations: [rep('1'), rep('2')] })).toBeUndefined();
    // Same fields in another order are another text: sent twice, as before.
    expect(foldRepresentations({ representations: [rep('1'), { upc: '1', __typename: 'Product' }] })).toBeUndefined();
  });

  it.each([
    ['repeats only', ['1', '2', '1', '2', '2', '10']],
    ['a missing entity repeated', ['gone', '1', 'gone', '1']],
    ['failing entities and a failing field, repeated and interleaved', ['cheap', 'bad', '1', 'cheap', 'bad', 'gone', 'bad', '1', 'cheap']],
  ])('unfolded answer equals the subgraph’s answer to every representation: %s', async (_label, upcs) => {
    const variables = { representations: upcs.map(rep) };
    const want = await run(variables);
    const folding = foldRepresentations(variables)!;
    expect(folding.distinct).toBeLessThan(upcs.length);
    const folded = await run(folding.variables);
    const got = unfoldAnswer(folding, folded.data, folded.errors);
    expect(JSON.parse(JSON.stringify(got.data))).toEqual(want.data);
    expect(JSON.parse(JSON.stringify(got.errors ?? null))).toEqual(want.errors ?? null);
  });

  it('hands on an answer of the wrong length untouched (the gateway reports it as before)', () => {
    const folding = foldRepresentations({ representations: [rep('1'), rep('1'), rep('2')] })!;
    const data = { _entities: [{ name: 'x' }] };
    const errors = [{ message: 'm', path: ['_entities', 0] }];
    const got = unfoldAnswer(folding, data, errors);
    expect(got.data).toBe(data);
    expect(got.errors).toBe(errors);
  });
});
