import { buildSubgraphSchema } from '@apollo/subgraph';
import { execute, parse, type GraphQLFormattedError } from 'graphql';

/**
 * A small real subgraph for the unit tests of what the gateway does to `_entities` fetches
 * (representation folding, the per-entity cache's split): "bad" fails as a whole entity, "gone"
 * does not exist, "cheap" has a failing field; every other product resolves.
 */
export const productSchema = buildSubgraphSchema({
  typeDefs: parse(`
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
    type Product @key(fields: "upc") { upc: String! name: String price: Int }
    type Query { top: [Product] }
  `),
  resolvers: {
    Product: {
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

export const PRODUCT_ENTITIES_QUERY = parse(
  'query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on Product { name price } } }',
);

export type ProductResult = { data: Record<string, unknown> | null | undefined; errors?: GraphQLFormattedError[] };

/** The subgraph's answer to the `_entities` query, as JSON would carry it. */
export async function runProducts(variables: Record<string, unknown>): Promise<ProductResult> {
  const r = await execute({ schema: productSchema, document: PRODUCT_ENTITIES_QUERY, variableValues: variables });
  return JSON.parse(JSON.stringify(r)) as ProductResult;
}
