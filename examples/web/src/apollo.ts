/**
 * The page's Apollo Client: queries and mutations over HTTP, subscriptions over graphql-ws
 * (docs/live.md), one split link. The WebSocket authenticates once, in connection_init, so a
 * changed token means a new socket: `reconnect()` after signing in or out.
 */
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { OperationTypeNode } from 'graphql';
import { createClient, type Client } from 'graphql-ws';

const env = (import.meta as unknown as { env: Record<string, string | undefined> }).env;
export const GATEWAY_URL = env.VITE_GATEWAY_URL ?? 'http://localhost:4000/graphql';
const WS_URL = GATEWAY_URL.replace(/^http/, 'ws');
export const TOKEN_KEY = 'marquee.token';

export const token = (): string | null => localStorage.getItem(TOKEN_KEY);

/** What the socket is doing, for the page's status line. */
export type SocketState = { kind: 'connecting' } | { kind: 'connected' } | { kind: 'closed'; code: number; reason: string } | { kind: 'idle' };

const socketListeners = new Set<(state: SocketState) => void>();
export function onSocketState(listener: (state: SocketState) => void): () => void {
  socketListeners.add(listener);
  return () => socketListeners.delete(listener);
}
const tell = (state: SocketState) => socketListeners.forEach((l) => l(state));

const httpLink = new HttpLink({
  uri: GATEWAY_URL,
  // The token is read per request, so signing in takes effect at once.
  fetch: (input, init) => {
    const t = token();
    const headers = new Headers(init?.headers);
    if (t) headers.set('authorization', `Bearer ${t}`);
    headers.set('apollographql-client-name', 'marquee-example-web');
    headers.set('apollographql-client-version', '1.0.0');
    return fetch(input, { ...init, headers });
  },
});

let generation = 0;

function socket(): Client {
  // A disposed socket's last events must not overwrite the new one's state.
  const mine = ++generation;
  const tellMine = (state: SocketState) => {
    if (mine === generation) tell(state);
  };
  return createClient({
    url: WS_URL,
    // Read when the socket opens: the gateway reads `authorization` from connection_init; none is anonymous.
    connectionParams: () => {
      const t = token();
      return t ? { authorization: `Bearer ${t}` } : {};
    },
    // A restarting gateway (1012 SHUTTING_DOWN) or a refused connect is worth retrying; graphql-ws
    // never retries 4401 (bad or expired token) or 4429 (too many connections) whatever this says.
    retryAttempts: Infinity,
    shouldRetry: () => true,
    on: {
      connecting: () => tellMine({ kind: 'connecting' }),
      connected: () => tellMine({ kind: 'connected' }),
      closed: (event) => {
        const { code, reason } = event as CloseEvent;
        // 1000: graphql-ws closes an idle socket (no subscription left) itself.
        tellMine(code === 1000 ? { kind: 'idle' } : { kind: 'closed', code, reason });
      },
    },
  });
}

const linkFor = (ws: Client) => ApolloLink.split(({ operationType }) => operationType === OperationTypeNode.SUBSCRIPTION, new GraphQLWsLink(ws), httpLink);

let ws = socket();

export const client = new ApolloClient({
  link: linkFor(ws),
  cache: new InMemoryCache({
    // movieActivity brings a summary without the histogram: merge it into the film's, not replace it.
    typePolicies: { RatingSummary: { merge: true } },
  }),
});

/**
 * A new socket for a new token. Callers end their subscriptions first and start them again
 * after: the old socket's are cut when it closes.
 */
export async function reconnect(): Promise<void> {
  const old = ws;
  ws = socket();
  client.setLink(linkFor(ws));
  await old.dispose();
}
