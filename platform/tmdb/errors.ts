import { ErrorCode, coded } from '../errors';
import type { GraphQLError } from 'graphql';

export type TmdbErrorKind = 'not_found' | 'auth' | 'rate_limited' | 'unavailable' | 'bad_request' | 'fetch_limit' | 'share_exhausted';

/** A TMDB failure, classified once here so resolvers never look at HTTP statuses. */
export class TmdbError extends Error {
  override name = 'TmdbError';
  constructor(
    readonly kind: TmdbErrorKind,
    message: string,
    readonly status?: number,
    /** Milliseconds TMDB asked us to wait (Retry-After), when it said. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }

  get retryable(): boolean {
    return this.kind === 'rate_limited' || this.kind === 'unavailable';
  }

  toGraphQLError(): GraphQLError {
    switch (this.kind) {
      case 'not_found':
        return coded(ErrorCode.NOT_FOUND, 'Not found in the TMDB catalogue.');
      case 'auth':
        return coded(ErrorCode.UPSTREAM_AUTH, 'The movie catalogue refused our credentials.');
      case 'rate_limited':
        return coded(ErrorCode.RATE_LIMITED, 'The movie catalogue is rate limiting us; try again shortly.');
      case 'share_exhausted':
        // This caller's own share (TMDB_CALLER_SHARE) is used up; other callers are unaffected.
        return coded(ErrorCode.RATE_LIMITED, this.message);
      case 'fetch_limit':
        return coded(ErrorCode.UPSTREAM_FETCH_LIMIT, this.message);
      case 'bad_request':
        return coded(ErrorCode.BAD_USER_INPUT, this.message);
      default:
        return coded(ErrorCode.UPSTREAM_UNAVAILABLE, 'The movie catalogue is unavailable; try again shortly.');
    }
  }
}
