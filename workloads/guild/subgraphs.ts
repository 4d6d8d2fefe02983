/**
 * The four subgraphs of The Guild's gateways-benchmark (accounts, inventory, products, reviews),
 * written here on @apollo/subgraph and Apollo Server: the same types, fields and keys, and the
 * same answers (the rules are in data.ts). Each runs on its own port; batched requests are
 * accepted, as Apollo Server's subgraphs accept them. In the benchmark they stand behind
 * replaying stand-ins (bench/replay-subgraphs.ts), so that the gateway is what is measured; tests/e2e/differential-guild.test.ts runs them as they are.
 */
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse, type GraphQLSchema } from 'graphql';
import { AUTHOR, IN_STOCK, PRODUCTS, REVIEWS, TOP_PRODUCTS_DEFAULT, USERS, reviewsOfProduct, reviewsOfUser, shippingEstimate, type Review } from './data';

export type GuildSubgraphName = 'accounts' | 'inventory' | 'products' | 'reviews';

const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@external", "@requires", "@provides", "@shareable"])';

/** Each subgraph's SDL, as composed into the public benchmark's supergraph. */
export const GUILD_SDL: Record<GuildSubgraphName, string> = {
  accounts: `${LINK}
    type Query { me: User user(id: ID!): User users: [User] }
    type User @key(fields: "id") { id: ID! name: String username: String @shareable birthday: Int }`,
  inventory: `${LINK}
    type Product @key(fields: "upc") {
      upc: String!
      weight: Int @external
      price: Int @external
      inStock: Boolean
      shippingEstimate: Int @requires(fields: "price weight")
    }`,
  products: `${LINK}
    type Query { topProducts(first: Int = ${TOP_PRODUCTS_DEFAULT}): [Product] }
    type Product @key(fields: "upc") { upc: String! name: String price: Int weight: Int }`,
  reviews: `${LINK}
    type Review @key(fields: "id") { id: ID! body: String product: Product author: User @provides(fields: "username") }
    type User @key(fields: "id") { id: ID! username: String @external reviews: [Review] }
    type Product @key(fields: "upc") { upc: String! reviews: [Review] }`,
};

type Ref<K extends string> = Record<K, string>;

const reviewFields = {
  product: (r: Review) => ({ upc: r.upc }),
  author: () => AUTHOR,
};

const RESOLVERS = {
  accounts: {
    Query: {
      me: () => USERS[0],
      user: (_: unknown, { id }: { id: string }) => USERS.find((u) => u.id === id) ?? null,
      users: () => USERS,
    },
    User: { __resolveReference: (ref: Ref<'id'>) => USERS.find((u) => u.id === ref.id) ?? null },
  },
  inventory: {
    Product: {
      // Its own record: stock only (data.ts says why the estimate is then null).
      __resolveReference: (ref: Ref<'upc'>) => (ref.upc in IN_STOCK ? { upc: ref.upc, inStock: IN_STOCK[ref.upc] } : null),
      shippingEstimate: (own: { price?: number | null; weight?: number | null }) => shippingEstimate(own),
    },
  },
  products: {
    Query: { topProducts: (_: unknown, { first }: { first?: number | null }) => PRODUCTS.slice(0, first ?? TOP_PRODUCTS_DEFAULT) },
    Product: { __resolveReference: (ref: Ref<'upc'>) => PRODUCTS.find((p) => p.upc === ref.upc) ?? null },
  },
  reviews: {
    Review: { __resolveReference: (ref: Ref<'id'>) => REVIEWS.find((r) => r.id === ref.id) ?? null, ...reviewFields },
    User: {
      // Any user: the username it was given as "user", and the first two reviews.
      __resolveReference: (ref: Ref<'id'>) => ({ id: ref.id, username: 'user' }),
      reviews: () => reviewsOfUser(),
    },
    Product: {
      __resolveReference: (ref: Ref<'upc'>) => ({ upc: ref.upc }),
      reviews: (p: Ref<'upc'>) => reviewsOfProduct(p.upc),
    },
  },
};

/** One subgraph's executable schema (its SDL and resolvers). */
export function guildSubgraphSchema(name: GuildSubgraphName): GraphQLSchema {
  // The resolvers' shapes are the data's; @apollo/subgraph's map type is wider than any one of them.
  return buildSubgraphSchema({ typeDefs: parse(GUILD_SDL[name]), resolvers: RESOLVERS[name] });
}

export interface GuildSubgraphs {
  urls: Record<GuildSubgraphName, string>;
  stop(): Promise<void>;
}

/** Starts the four subgraphs on free ports of 127.0.0.1. */
export async function startGuildSubgraphs(): Promise<GuildSubgraphs> {
  const servers: ApolloServer[] = [];
  const urls = {} as Record<GuildSubgraphName, string>;
  for (const name of Object.keys(GUILD_SDL) as GuildSubgraphName[]) {
    const server = new ApolloServer({
      schema: guildSubgraphSchema(name),
      allowBatchedHttpRequests: true,
      csrfPrevention: false,
      plugins: [ApolloServerPluginInlineTraceDisabled()],
    });
    servers.push(server);
    const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
    urls[name] = `${url.replace(/\/$/, '')}/graphql`;
  }
  return { urls, stop: () => Promise.all(servers.map((s) => s.stop())).then(() => undefined) };
}
