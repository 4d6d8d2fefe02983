/**
 * The baseline: a stock @apollo/gateway on @apollo/server's standalone server, default settings,
 * over the same supergraph file and subgraphs as Marquee. The only additions are what the
 * subgraphs require of any gateway: the caller's bearer token verified (HS256, JWT_SECRET) and
 * the identity sent signed with GATEWAY_SIGNING_KEY (`createCallerSigner`, exactly what Marquee sends), signed
 * once per client request as Marquee does. Same @apollo/gateway and @apollo/server versions as
 * Marquee (resolved from the root). RemoteGraphQLDataSource has no in-flight deduplication.
 */
import { readFileSync } from 'node:fs';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { jwtVerify } from 'jose';
import { INTERNAL_IDENTITY_HEADER, SUBGRAPH_AUDIENCES, createCallerSigner } from '../../platform/identity';

const signingKey = process.env.GATEWAY_SIGNING_KEY!;
// The same signer as Marquee's gateway: one signature per caller for half its life.
const signIdentity = createCallerSigner(signingKey);
const userKey = new TextEncoder().encode(process.env.JWT_SECRET);
const locations: Record<string, string> = {
  movies: process.env.MOVIES_URL!,
  ratings: process.env.RATINGS_URL!,
  notifications: process.env.NOTIFICATIONS_URL!,
  availability: process.env.AVAILABILITY_URL!,
};

interface Ctx {
  identity: Promise<string>;
}

const gateway = new ApolloGateway({
  supergraphSdl: readFileSync(process.env.SUPERGRAPH_PATH!, 'utf8'),
  buildService: ({ name, url }) =>
    new RemoteGraphQLDataSource<Ctx & Record<string, unknown>>({
      url: locations[name] ?? url,
      async willSendRequest({ request, context }) {
        request.http?.headers.set(INTERNAL_IDENTITY_HEADER, await (context as Ctx).identity);
      },
    }),
});

async function main() {
  const server = new ApolloServer<Ctx>({ gateway });
  const { url } = await startStandaloneServer(server, {
    listen: { port: Number(process.env.PORT ?? 4100), host: '127.0.0.1' },
    context: async ({ req }) => {
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      const userId = token ? ((await jwtVerify(token, userKey, { algorithms: ['HS256'] })).payload.sub ?? null) : null;
      return { identity: signIdentity({ userId, partnerId: null }, SUBGRAPH_AUDIENCES) };
    },
  });
  console.log(`stock @apollo/gateway at ${url}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
