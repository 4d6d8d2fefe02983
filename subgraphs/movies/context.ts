import DataLoader from 'dataloader';
import { callerKey } from '../../platform/identity';
import type { RequestScope } from '../../platform/kit';
import type { MovieWithBlocks, TmdbClient } from '../../platform/tmdb/client';
import type { TmdbError } from '../../platform/tmdb/errors';
import type { MovieBlock, TmdbPerson } from '../../platform/tmdb/types';
import type { OmdbClient } from '../../platform/omdb/client';

export interface MovieKey {
  id: string;
  blocks: MovieBlock[];
}

/** What the movies subgraph builds once per process and hands to every request. */
export interface MoviesDeps {
  tmdb: TmdbClient;
  imageBaseUrl: string;
  /** TMDB_MAX_FETCHES_PER_REQUEST. */
  maxFetchesPerRequest: number;
  /** OMDb (external-ratings.ts); undefined without OMDB_API_KEY. */
  omdb?: OmdbClient;
  /** OMDB_MAX_FETCHES_PER_REQUEST. */
  omdbMaxFetchesPerRequest: number;
}

export interface MoviesContext extends RequestScope {
  /** The request's view of the TMDB client: its fetch limit, and its caller's share of the budget. */
  tmdb: TmdbClient;
  imageBaseUrl: string;
  /** OMDb as this request sees it (its look-up cap and its caller's share of the quota); undefined without OMDB_API_KEY. */
  omdb?: OmdbClient;
  /** Movie details by id and appended blocks; one TMDB call per distinct film per request. */
  movieLoader: DataLoader<MovieKey, MovieWithBlocks, string>;
  personLoader: DataLoader<string, TmdbPerson>;
}

export function createMoviesContext(request: RequestScope, deps: MoviesDeps): MoviesContext {
  const tmdb = deps.tmdb.forRequest(deps.maxFetchesPerRequest, callerKey(request.caller));
  return {
    ...request,
    tmdb,
    imageBaseUrl: deps.imageBaseUrl,
    omdb: deps.omdb?.forRequest(deps.omdbMaxFetchesPerRequest, callerKey(request.caller)),
    movieLoader: new DataLoader<MovieKey, MovieWithBlocks, string>(
      async (keys) => {
        // Fields of one film ask for different blocks; merge them so the film costs one call.
        const byId = new Map<string, Set<MovieBlock>>();
        for (const k of keys) {
          const set = byId.get(k.id) ?? new Set<MovieBlock>();
          k.blocks.forEach((b) => set.add(b));
          byId.set(k.id, set);
        }
        const ids = [...byId.keys()];
        const results = await tmdb.movies(ids.map((id) => ({ id, blocks: [...byId.get(id)!].sort() })));
        const byIdResult = new Map<string, MovieWithBlocks | TmdbError>(ids.map((id, i) => [id, results[i]]));
        return keys.map((k) => byIdResult.get(k.id)!);
      },
      { cacheKeyFn: (k) => `${k.id}|${[...k.blocks].sort().join(',')}` },
    ),
    personLoader: new DataLoader<string, TmdbPerson>(async (ids) => Promise.all(ids.map((id) => tmdb.person(id).catch((err: Error) => err)))),
  };
}
