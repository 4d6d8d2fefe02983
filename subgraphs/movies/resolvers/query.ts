import { userInputError } from '../../../platform/errors';
import { parseTmdbId } from '../../../platform/ids';
import { TmdbError } from '../../../platform/tmdb/errors';
import { discoverQuery } from '../discover';
import type { QueryResolvers } from '../generated/resolvers';
import { toGenre, toPage, toPersonPage } from '../mapping';
import { detail, upstream } from '../reads';
import { selectedBlocks } from '../selection';
import { MAX_IDS, checkPage, checkQuery } from '../validation';

/** The root fields: one film, a few, TMDB's lists, discovery, search, genres, one person. */
export const Query: QueryResolvers = {
  movie: async (_p, { id }, ctx, info) => {
    parseTmdbId(id);
    // Fetch once, with every block the operation selects, so the field resolvers find it loaded.
    await detail(ctx, id, selectedBlocks(info));
    return { id };
  },
  movies: async (_p, { ids }, ctx, info) => {
    if (ids.length > MAX_IDS) throw userInputError(`ids: at most ${MAX_IDS} ids per call.`, 'ids');
    ids.forEach((id) => parseTmdbId(id, 'ids'));
    const blocks = selectedBlocks(info);
    const found = await Promise.all(
      ids.map((id) =>
        ctx.movieLoader.load({ id, blocks }).then(
          () => ({ id }),
          (err: unknown) => {
            if (err instanceof TmdbError && err.kind === 'not_found') return null;
            return upstream(err);
          },
        ),
      ),
    );
    return found;
  },
  popularMovies: async (_p, { page }, ctx) => toPage(await ctx.tmdb.popular(checkPage(page)).catch(upstream)),
  topRatedMovies: async (_p, { page }, ctx) => toPage(await ctx.tmdb.topRated(checkPage(page)).catch(upstream)),
  upcomingMovies: async (_p, { page }, ctx) => toPage(await ctx.tmdb.upcoming(checkPage(page)).catch(upstream)),
  nowPlayingMovies: async (_p, { page }, ctx) => toPage(await ctx.tmdb.nowPlaying(checkPage(page)).catch(upstream)),
  trendingMovies: async (_p, { window, page }, ctx) => toPage(await ctx.tmdb.trending(window === 'WEEK' ? 'week' : 'day', checkPage(page)).catch(upstream)),
  discoverMovies: async (_p, { filter, sort, page }, ctx) =>
    toPage(await ctx.tmdb.discover(discoverQuery(filter ?? {}, sort), checkPage(page)).catch(upstream)),
  searchPeople: async (_p, { query, page }, ctx) => {
    const q = checkQuery(query);
    return toPersonPage(await ctx.tmdb.searchPeople(q, checkPage(page)).catch(upstream));
  },
  searchMovies: async (_p, { query, year, page }, ctx) => {
    const q = checkQuery(query);
    if (year !== null && year !== undefined && (year < 1870 || year > 2100)) throw userInputError('year must be from 1870 to 2100.', 'year');
    return toPage(await ctx.tmdb.searchMovies(q, year ?? undefined, checkPage(page)).catch(upstream));
  },
  genres: async (_p, _a, ctx) => (await ctx.tmdb.genres().catch(upstream)).map(toGenre),
  person: async (_p, { id }, ctx) => {
    parseTmdbId(id);
    const full = await ctx.personLoader.load(id).catch(upstream);
    return { id, full };
  },
};
