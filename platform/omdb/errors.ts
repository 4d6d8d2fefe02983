import type { GraphQLError } from 'graphql';
import { ErrorCode, coded } from '../errors';

/**
 * - `not_found`: OMDb has no such title (an answer, cached like one);
 * - `auth`: OMDb refused the key;
 * - `quota`: the day's requests are used up, by Marquee's count (OMDB_DAILY_LIMIT, or a caller's
 *   share of it) or by OMDb's own ("Request limit reached!");
 * - `unavailable`: OMDb is failing (5xx, timeout, network, malformed answer, open circuit) or sent
 *   an error we do not know;
 * - `fetch_limit`: one operation asked for more distinct OMDb look-ups than it may.
 */
export type OmdbErrorKind = 'not_found' | 'auth' | 'quota' | 'unavailable' | 'fetch_limit';

export class OmdbError extends Error {
  override name = 'OmdbError';
  constructor(
    readonly kind: OmdbErrorKind,
    message: string,
    /** Whether another attempt may succeed soon (outages; never a quota, a bad key or an unknown answer). */
    readonly retryable = false,
    /** For `quota`: when the day's count starts again (the next UTC midnight). */
    readonly resetsAt?: Date,
  ) {
    super(message);
  }

  toGraphQLError(): GraphQLError {
    switch (this.kind) {
      case 'quota':
        return coded(ErrorCode.QUOTA_EXCEEDED, this.message, { source: 'OMDB', ...(this.resetsAt ? { resetsAt: this.resetsAt.toISOString() } : {}) });
      case 'auth':
        return coded(ErrorCode.UPSTREAM_AUTH, 'The ratings provider (OMDb) refused our credentials.');
      case 'fetch_limit':
        return coded(ErrorCode.UPSTREAM_FETCH_LIMIT, this.message);
      case 'not_found':
        return coded(ErrorCode.NOT_FOUND, 'OMDb has no such title.');
      default:
        return coded(ErrorCode.UPSTREAM_UNAVAILABLE, 'The ratings provider (OMDb) is unavailable; try again shortly.');
    }
  }
}
