import { INTERNAL_IDENTITY_HEADER, SUBGRAPH_AUDIENCES, generateGatewayKeys, signCaller, type Identity } from '../../platform/identity';

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: { data?: T | null; errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[] };
}

/** A GraphQL POST over real HTTP. */
export async function postGraphQL<T = any>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  let body: GraphQLResponse<T>['body'];
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`non-JSON answer (${res.status}): ${text.slice(0, 300)}`);
  }
  return { status: res.status, headers: res.headers, body };
}

/**
 * A gateway signing key for a test: tests sign as the gateway with it and give the same key to the
 * subgraphs they start, which verify with its public half only.
 */
export const testSecret = () => generateGatewayKeys().signingKey;

/** Calls a subgraph directly, as the gateway would, signed for `userId`. */
export async function callSubgraph<T = any>(url: string, secret: string, query: string, variables: Record<string, unknown> = {}, userId: string | null = null) {
  return callSubgraphAs<T>(url, secret, { userId, partnerId: null }, query, variables);
}

/** Calls a subgraph directly, as the gateway would, signed for any identity (an anonymous client IP, a partner). */
export async function callSubgraphAs<T = any>(url: string, secret: string, who: Identity, query: string, variables: Record<string, unknown> = {}) {
  const token = await signCaller(secret, who, SUBGRAPH_AUDIENCES);
  return postGraphQL<T>(url, query, variables, { [INTERNAL_IDENTITY_HEADER]: token, 'x-request-id': 'test' });
}

export function codes(res: GraphQLResponse): string[] {
  return (res.body.errors ?? []).map((e) => String(e.extensions?.code));
}
