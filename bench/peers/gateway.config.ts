/**
 * Hive Gateway as a benchmark peer (`hive-gateway supergraph -c bench/peers/gateway.config.ts`,
 * with or without `--hive-router-runtime`): the same supergraph file and subgraphs as Marquee,
 * and the same subgraph protection — the caller's bearer token verified (HS256, JWT_SECRET) and
 * the identity sent signed with GATEWAY_SIGNING_KEY (`createCallerSigner`, exactly what Marquee sends) once
 * per client request, on every subgraph request. HIVE_DEDUPE=off turns its in-flight
 * deduplication of identical subgraph requests off (it is on by default).
 */
import { defineConfig } from '@graphql-hive/gateway';
import { jwtVerify } from 'jose';
import { INTERNAL_IDENTITY_HEADER, SUBGRAPH_AUDIENCES, createCallerSigner } from '../../platform/identity';

const signingKey = process.env.GATEWAY_SIGNING_KEY!;
// The same signer as Marquee's gateway: one signature per caller for half its life.
const signIdentity = createCallerSigner(signingKey);
const userKey = new TextEncoder().encode(process.env.JWT_SECRET);
const dedupe = process.env.HIVE_DEDUPE !== 'off';
const locations: Record<string, string> = {
  movies: process.env.MOVIES_URL!,
  ratings: process.env.RATINGS_URL!,
  notifications: process.env.NOTIFICATIONS_URL!,
  availability: process.env.AVAILABILITY_URL!,
};

// One signature per client request, shared by its subgraph requests (as Marquee does).
const identities = new WeakMap<Request, Promise<string>>();

async function identityOf(request: Request): Promise<string> {
  const token = /^Bearer (.+)$/.exec(request.headers.get('authorization') ?? '')?.[1];
  const userId = token ? ((await jwtVerify(token, userKey, { algorithms: ['HS256'] })).payload.sub ?? null) : null;
  return signIdentity({ userId, partnerId: null }, SUBGRAPH_AUDIENCES);
}

export const gatewayConfig = defineConfig({
  supergraph: process.env.SUPERGRAPH_PATH!,
  logging: 'warn',
  transportEntries: Object.fromEntries(
    Object.entries(locations).map(([name, location]) => [name, { location, options: { deduplicateInflightRequests: dedupe } }]),
  ),
  propagateHeaders: {
    fromClientToSubgraphs({ request }) {
      let identity = identities.get(request);
      if (!identity) {
        identity = identityOf(request);
        identities.set(request, identity);
      }
      return identity.then((value) => ({ [INTERNAL_IDENTITY_HEADER]: value }));
    },
  },
});
