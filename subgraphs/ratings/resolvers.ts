
import { ErrorCode, coded, notFound, unauthenticated } from '../../platform/errors';
import { movieExists } from '../../platform/tmdb/config';
import type { RatingsContext } from './context';
import type { Resolvers } from './generated/resolvers';
import type { RatingItem } from './model';
import { ConflictError, keys, toRating, toSummary } from './store';
import { parseMovieId, parseReview, parseScore } from './validation';

function viewer(ctx: RatingsContext): string {
  if (!ctx.caller.userId) throw unauthenticated();
  return ctx.caller.userId;
}

async function requireMovie(ctx: RatingsContext, movieId: string): Promise<void> {
  if (!(await movieExists(ctx.tmdb, movieId))) throw notFound(`No film with id ${movieId} in the catalogue.`);
}

function conflicts(err: unknown): never {
  if (err instanceof ConflictError) throw coded(ErrorCode.CONFLICT, err.message);
  throw err;
}

export const resolvers: Resolvers = {
  Query: {
    me: (_p, _a, ctx) => (ctx.caller.userId ? { id: ctx.caller.userId } : null),
  },

  Mutation: {
    rateMovie: async (_p, { input }, ctx) => {
      const userId = viewer(ctx);
      const movieId = parseMovieId(input.movieId, 'input.movieId');
      const halves = parseScore(input.score);
      const review = parseReview(input.review);
      await requireMovie(ctx, movieId);
      const { rating, changed } = await ctx.store.rate(userId, movieId, halves, review).catch(conflicts);
      ctx.log.info({ movieId, changed }, 'rating saved');
      // The payload's summary must reflect this write, not a batch read from before it.
      ctx.items.clear(keys.summary(movieId)).clear(keys.rating(movieId, userId));
      return { rating, movie: { id: movieId } };
    },
    deleteRating: async (_p, { movieId }, ctx) => {
      const userId = viewer(ctx);
      parseMovieId(movieId, 'movieId');
      const deleted = await ctx.store.delete(userId, movieId).catch(conflicts);
      ctx.items.clear(keys.summary(movieId)).clear(keys.rating(movieId, userId));
      return { deleted, movie: { id: movieId } };
    },
  },

  Movie: {
    __resolveReference: (ref) => ({ id: ref.id }),
    ratingSummary: async (movie, _a, ctx) => toSummary(movie.id, await ctx.items.load(keys.summary(movie.id))),
    viewerRating: async (movie, _a, ctx) => {
      if (!ctx.caller.userId) return null;
      const item = await ctx.items.load(keys.rating(movie.id, ctx.caller.userId));
      return item ? toRating(item) : null;
    },
  },

  RatingSummary: {
    average: (s) => (s.count > 0 ? Math.round((s.sumHalves / 2 / s.count) * 100) / 100 : null),
    count: (s) => s.count,
    histogram: (s) => s.histogram.map((count, i) => ({ score: (i + 1) / 2, count })),
  },

  Rating: {
    id: (r: RatingItem) => Buffer.from(`${r.movieId}:${r.userId}`).toString('base64url'),
    movie: (r) => ({ id: r.movieId }),
    user: (r) => ({ id: r.userId }),
    score: (r) => r.scoreHalves / 2,
    review: (r) => r.review ?? null,
    createdAt: (r) => r.createdAt,
    updatedAt: (r) => r.updatedAt,
  },

  User: {
    __resolveReference: (ref) => ({ id: ref.id }),
  },
};

