import DataLoader from 'dataloader';
import type { Caller } from '../../platform/identity';
import type { Logger } from '../../platform/logger';
import type { MovieWithBlocks, TmdbClient } from '../../platform/tmdb/client';
import type { TmdbError } from '../../platform/tmdb/errors';
import type { MovieBlock, TmdbPerson } from '../../platform/tmdb/types';
import type { OmdbClient } from '../../platform/omdb/client';

export interface MovieKey {
  id: string;
  blocks: MovieBlock[];
}

export interface MoviesContext {
  caller: Caller;
  log: Logger;
  tmdb: TmdbClient;
  imageBaseUrl: string;
  /** OMDb as this request sees it (external-ratings.ts); undefined without OMDB_API_KEY. */
  omdb?: OmdbClient;
  /** Movie details by id and appended blocks; one TMDB call per distinct film per request. */
  movieLoader: DataLoader<MovieKey, MovieWithBlocks, string>;
  personLoader: DataLoader<string, TmdbPerson>;
}

export function createMoviesContext(base: { caller: Caller; log: Logger; tmdb: TmdbClient; imageBaseUrl: string; omdb?: OmdbClient }): MoviesContext {
  const { tmdb } = base;
  return {
    ...base,
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
