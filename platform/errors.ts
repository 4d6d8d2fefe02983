import { GraphQLError } from 'graphql';

/**
 * The `extensions.code` values the subgraphs and platform code raise. They are not all a client
 * sees: the gateway adds its own (operation limits, body size, safelist, unreachable subgraph) and
 * passes Apollo Server's client codes through (APOLLO_CLIENT_CODES below). Every code a client
 * may rely on, with its HTTP status, is in docs/errors.md; a new one is documented there first.
 */
export const ErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  RATE_LIMITED: 'RATE_LIMITED',
  UPSTREAM_AUTH: 'UPSTREAM_AUTH',
  UPSTREAM_UNAVAILABLE: 'UPSTREAM_UNAVAILABLE',
  CONFLICT: 'CONFLICT',
  UPSTREAM_FETCH_LIMIT: 'UPSTREAM_FETCH_LIMIT',
  /** A daily quota of an outside service (OMDb's requests per day) is used up until `extensions.resetsAt`. */
  QUOTA_EXCEEDED: 'QUOTA_EXCEEDED',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export function userInputError(message: string, field?: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.BAD_USER_INPUT, ...(field ? { field } : {}) } });
}

export function notFound(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.NOT_FOUND } });
}

export function unauthenticated(message = 'You must be signed in to do this.'): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.UNAUTHENTICATED } });
}

export function forbidden(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.FORBIDDEN } });
}

export function coded(code: ErrorCode, message: string, extra: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extra } });
}

const PUBLIC_CODES = new Set<string>(Object.values(ErrorCode).filter((c) => c !== ErrorCode.INTERNAL_SERVER_ERROR));
/** Apollo Server's own client-facing codes, safe to pass through as they are. */
const APOLLO_CLIENT_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

export interface FormattedErrorLike {
  message: string;
  locations?: ReadonlyArray<{ line: number; column: number }>;
  path?: ReadonlyArray<string | number>;
  extensions?: Record<string, unknown>;
}

/**
 * In production a client sees only errors we meant to show: known codes keep their message,
 * anything else becomes a generic INTERNAL_SERVER_ERROR, and stack traces never leave the process.
 */
export function maskError(formatted: FormattedErrorLike, production: boolean, extraPublicCodes: Iterable<string> = []): FormattedErrorLike {
  const code = typeof formatted.extensions?.code === 'string' ? formatted.extensions.code : undefined;
  const known = code !== undefined && (PUBLIC_CODES.has(code) || APOLLO_CLIENT_CODES.has(code) || new Set(extraPublicCodes).has(code));
  const { stacktrace: _stack, exception: _exception, ...rest } = formatted.extensions ?? {};
  if (!production) return { ...formatted, extensions: { ...formatted.extensions, code: code ?? ErrorCode.INTERNAL_SERVER_ERROR } };
  if (known) return { ...formatted, extensions: { ...rest, code } };
  return {
    message: 'Internal server error',
    locations: formatted.locations,
    path: formatted.path,
    extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
  };
}
