import type { ApolloServerPlugin } from '@apollo/server';

/** The header that asks, in development, for the response's `extensions.cache`. */
export const CACHE_TRACE_HEADER = 'x-marquee-cache-trace';

/** Where each subgraph fetch of one request was answered from. */
export interface CacheTrace {
  /**
   * `entities`, for an `_entities` fetch through the per-entity cache: how many of its entities
   * came from the cache and how many were fetched (`from` is `cache` when none were).
   */
  fetches: { subgraph: string; from: 'cache' | 'subgraph'; entities?: { cached: number; fetched: number } }[];
}

/**
 * Development only, on request (`x-marquee-cache-trace: 1`, so that answers stay the same as
 * Apollo's otherwise): `extensions.cache` says whether the whole response came from the response
 * cache and, if not, where each subgraph fetch came from, in the order they finished.
 */
export function cacheTracePlugin<T extends { cacheTrace?: CacheTrace }>(): ApolloServerPlugin<T> {
  return {
    requestDidStart: () =>
      Promise.resolve({
        willSendResponse: ({ contextValue, response, metrics }) => {
          const trace = contextValue.cacheTrace;
          if (!trace || response.body.kind !== 'single') return Promise.resolve();
          const result = response.body.singleResult;
          result.extensions = { ...result.extensions, cache: { response: metrics.responseCacheHit ? 'hit' : 'miss', fetches: trace.fetches } };
          return Promise.resolve();
        },
      }),
  };
}
