/**
 * The answer every gateway must give to the Guild query, worked out without any gateway: the
 * same types in one plain graphql-js schema over the same data and rules (data.ts), executed
 * directly. Gateways are compared with it byte for byte (JSON.stringify's key order is the
 * query's field order, which is also the order GraphQL requires of a gateway's answer).
 */
import { buildSchema, executeSync, parse, type GraphQLFieldResolver } from 'graphql';
import { AUTHOR, IN_STOCK, PRODUCTS, TOP_PRODUCTS_DEFAULT, USERS, reviewsOfProduct, reviewsOfUser, shippingEstimate, type Product, type Review } from './data';

const SCHEMA = buildSchema(`
  type Query { me: User user(id: ID!): User users: [User] topProducts(first: Int = ${TOP_PRODUCTS_DEFAULT}): [Product] }
  type User { id: ID! name: String username: String birthday: Int reviews: [Review] }
  type Product { upc: String! name: String price: Int weight: Int inStock: Boolean shippingEstimate: Int reviews: [Review] }
  type Review { id: ID! body: String product: Product author: User }
`);

type Resolvers = Record<string, Record<string, GraphQLFieldResolver<never, unknown, never>>>;

const product = (upc: string) => PRODUCTS.find((p) => p.upc === upc) ?? null;

const RESOLVERS: Resolvers = {
  Query: {
    me: () => USERS[0],
    user: (_: never, { id }: { id: string }) => USERS.find((u) => u.id === id) ?? null,
    users: () => USERS,
    topProducts: (_: never, { first }: { first: number | null }) => PRODUCTS.slice(0, first ?? TOP_PRODUCTS_DEFAULT),
  },
  User: { reviews: () => reviewsOfUser() },
  Product: {
    inStock: (p: Product) => IN_STOCK[p.upc] ?? null,
    // The inventory subgraph's own record holds no price or weight (data.ts).
    shippingEstimate: () => shippingEstimate({}),
    reviews: (p: Product) => reviewsOfProduct(p.upc),
  },
  Review: {
    product: (r: Review) => product(r.upc),
    // The reviews subgraph's author, completed by accounts (name) under the username reviews provides.
    author: () => ({ ...USERS.find((u) => u.id === AUTHOR.id)!, username: AUTHOR.username }),
  },
};

/** The response body for `query` with `variables`: `{"data":…}` (or with errors, if the query has any). */
export function referenceAnswer(query: string, variables?: Record<string, unknown>): string {
  const result = executeSync({
    schema: SCHEMA,
    document: parse(query),
    variableValues: variables,
    fieldResolver: (source, args, context, info) => {
      const own = RESOLVERS[info.parentType.name]?.[info.fieldName] as GraphQLFieldResolver<unknown, unknown> | undefined;
      return own ? own(source, args, context, info) : (source as Record<string, unknown>)[info.fieldName];
    },
  });
  return JSON.stringify(result);
}
