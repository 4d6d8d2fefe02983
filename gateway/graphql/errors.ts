import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { Counter } from 'prom-client';
import { maskError } from '../../platform/errors';
import { unavailableSubgraph } from '../subgraph-client';
import { LIMIT_ERROR_CODES, limitCodeOf } from './limits';

/** Codes of the gateway's own that production shows as they are (platform/errors.ts knows the shared ones). */
const PUBLIC_CODES = [
  ...LIMIT_ERROR_CODES,
  'PAYLOAD_TOO_LARGE',
  'OPERATION_NOT_IN_SAFELIST',
  'SUBGRAPH_UNAVAILABLE',
  'SUBSCRIPTION_TRANSPORT_REQUIRED',
  'SUBSCRIPTIONS_UNAVAILABLE',
];

/**
 * Apollo's formatError: every error leaves with a stable code, recognised by the error's type,
 * never its text. An operation limit gets its own code (limits.ts); a subgraph that could not be
 * reached becomes SUBGRAPH_UNAVAILABLE on the fields it owns, while the rest of the response still
 * answers; production masks what is not public (platform/errors.ts). Each is counted by code.
 */
export function formatGatewayError(production: boolean, errors: Counter<'code'>): (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError {
  return (formatted, error) => {
    const limit = limitCodeOf(error);
    const coded = limit ? { ...formatted, extensions: { ...formatted.extensions, code: limit } } : subgraphUnavailable(formatted, error);
    const masked = maskError(coded, production, PUBLIC_CODES);
    errors.inc({ code: typeof masked.extensions?.code === 'string' ? masked.extensions.code : 'UNKNOWN' });
    return masked;
  };
}

function subgraphUnavailable(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const subgraph = unavailableSubgraph(original(error));
  if (subgraph === undefined) return formatted;
  // A failed call reaches Apollo as thrown, without @apollo/gateway's serviceName: the error names its subgraph.
  return {
    ...formatted,
    message: `The ${subgraph} service is unavailable; these fields could not be loaded.`,
    extensions: { code: 'SUBGRAPH_UNAVAILABLE', service: subgraph },
  };
}

/** The error as thrown, under the GraphQLErrors Apollo and @apollo/gateway may wrap it in. */
function original(error: unknown): unknown {
  let e = error;
  while (e instanceof GraphQLError && e.originalError) e = e.originalError;
  return e;
}
