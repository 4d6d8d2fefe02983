import DataLoader from 'dataloader';
import type { MoviesContext } from './context';
import type { MovieParent } from './model';
import type { MovieResolvers } from './generated/resolvers';
import { externalRatingEntries, tmdbRating } from '../../platform/omdb/entries';
import { OmdbError } from '../../platform/omdb/errors';
import { IMDB_ID } from '../../platform/omdb/parse';
import type { OmdbRatings } from '../../platform/omdb/types';
import { TmdbError } from '../../platform/tmdb/errors';

/**
 * `Movie.externalRatings`: IMDb, Rotten Tomatoes and Metacritic from OMDb (looked up by the IMDb
 * id TMDB gives), and TMDB's own vote. A resolver fragment, spread into the movies resolver map.
 */

// One OMDb batch per request and tick: the films of a page cost one cache read together.
const loaders = new WeakMap<MoviesContext, DataLoader<string, OmdbRatings>>();
function omdbLoader(ctx: MoviesContext): DataLoader<string, OmdbRatings> | undefined {
  const omdb = ctx.omdb;
  if (!omdb) return undefined;
  let loader = loaders.get(ctx);
  if (!loader) {
    // OmdbErrors in the batch's answer reject their own loads only.
    loader = new DataLoader<string, OmdbRatings>((ids) => omdb.ratings(ids));
    loaders.set(ctx, loader);
  }
  return loader;
}

export const externalRatingsResolvers = {
  Movie: {
    externalRatings: async (parent, _args, ctx) => {
      const found = await ctx.movieLoader.load({ id: parent.id, blocks: [] }).catch((err: unknown) => {
        throw err instanceof TmdbError ? err.toGraphQLError() : err;
      });
      const tmdb = tmdbRating(parent.id, found.detail.vote_average, found.detail.vote_count);
      const imdbId = found.detail.imdb_id?.trim();
      const loader = omdbLoader(ctx);
      // No OMDb key, or a film TMDB knows no IMDb id for: TMDB's rating is all there is.
      if (!loader || !imdbId || !IMDB_ID.test(imdbId)) return externalRatingEntries(tmdb, null);
      try {
        return externalRatingEntries(tmdb, await loader.load(imdbId));
      } catch (err) {
        if (err instanceof OmdbError && err.kind === 'not_found') return externalRatingEntries(tmdb, null);
        throw err instanceof OmdbError ? err.toGraphQLError() : err;
      }
    },
  },
} satisfies { Movie: Pick<MovieResolvers<MoviesContext, MovieParent>, 'externalRatings'> };
