/**
 * The baseline: a stock @apollo/gateway on @apollo/server with default settings, over the same
 * supergraph file and subgraphs. The only additions are what the subgraphs require of any
 * gateway: the caller's identity, verified from the bearer token and sent signed.
 */
import { readFileSync } from 'node:fs';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { jwtVerify } from 'jose';
import { INTERNAL_IDENTITY_HEADER, signCaller } from '../../platform/identity';

const secret = process.env.GATEWAY_SECRET!;
const jwtKey = new TextEncoder().encode(process.env.JWT_SECRET!);
const urls: Record<string, string> = { movies: process.env.MOVIES_URL!, ratings: process.env.RATINGS_URL!, notifications: process.env.NOTIFICATIONS_URL! };

interface Ctx {
  userId: string | null;
}

const gateway = new ApolloGateway({
  supergraphSdl: readFileSync(process.env.SUPERGRAPH_PATH!, 'utf8'),
  buildService: ({ name, url }) =>
    new RemoteGraphQLDataSource<Ctx & Record<string, unknown>>({
      url: urls[name] ?? url,
      async willSendRequest({ request, context }) {
        request.http?.headers.set(INTERNAL_IDENTITY_HEADER, await signCaller(secret, { userId: (context as Ctx).userId ?? null, partnerId: null, requestId: null }));
      },
    }),
});

async function main() {
  const server = new ApolloServer<Ctx>({ gateway });
  const { url } = await startStandaloneServer(server, {
    listen: { port: Number(process.env.PORT ?? 4100) },
    context: async ({ req }) => {
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (!token) return { userId: null };
      const { payload } = await jwtVerify(token, jwtKey, { algorithms: ['HS256'] });
      return { userId: payload.sub ?? null };
    },
  });
  console.log(`stock gateway at ${url}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
