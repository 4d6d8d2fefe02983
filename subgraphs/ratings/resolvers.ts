import { resumeAfter, toConnection, type Page } from '../../platform/connection';
import { checkFirst } from '../../platform/cursor';
import { ErrorCode, coded, forbidden, notFound } from '../../platform/errors';
import { parseRatingId, parseTmdbId, ratingId } from '../../platform/ids';
import { viewer } from '../../platform/viewer';
import { movieExists } from '../../platform/tmdb/movie-exists';
import type { RatingsContext } from './context';
import type { Resolvers } from './generated/resolvers';
import type { RatingItem } from './model';
import { ConflictError, edgeKey, keys, toRating, toSummary } from './store';
import { parseReview, parseScore } from './validation';
import { scoresResolvers } from './scores';

async function requireMovie(ctx: RatingsContext, movieId: string): Promise<void> {
  if (!(await movieExists(ctx.tmdb, movieId))) throw notFound(`No film with id ${movieId} in the catalogue.`);
}

function connection(ctx: RatingsContext, scope: string, page: Page<RatingItem>, totalCount: number) {
  return { ...toConnection(ctx.cursorSecret, scope, page, (r) => edgeKey(scope, r)), totalCount };
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
      const movieId = parseTmdbId(input.movieId, 'input.movieId');
      const halves = parseScore(input.score);
      const review = parseReview(input.review);
      await requireMovie(ctx, movieId);
      const { rating, changed } = await ctx.store.rate(userId, movieId, halves, review).catch(conflicts);
      ctx.log.info({ movieId, changed }, 'rating saved');
      // The payload's summary must reflect this write, not a batch read from before it.
      ctx.readYourWrites();
      ctx.items.clear(keys.summary(movieId)).clear(keys.rating(movieId, userId));
      return { rating, movie: { id: movieId } };
    },
    deleteRating: async (_p, { movieId }, ctx) => {
      const userId = viewer(ctx);
      parseTmdbId(movieId, 'movieId');
      const deleted = await ctx.store.delete(userId, movieId).catch(conflicts);
      ctx.readYourWrites();
      ctx.items.clear(keys.summary(movieId)).clear(keys.rating(movieId, userId));
      return { deleted, movie: { id: movieId } };
    },
  },

  Movie: {
    // externalRatings arrives with the reference when `scores` is selected (@requires).
    __resolveReference: (ref) => ({ id: ref.id, externalRatings: ref.externalRatings }),
    ...scoresResolvers.Movie,
    ratingSummary: async (movie, _a, ctx) => toSummary(movie.id, await ctx.items.load(keys.summary(movie.id))),
    reviews: async (movie, { first, after, orderBy }, ctx) => {
      checkFirst(first);
      const byScore = orderBy === 'HIGHEST' || orderBy === 'LOWEST';
      const scope = `reviews:${movie.id}:${orderBy}`;
      const [page, summary] = await Promise.all([
        ctx.store.page({
          index: byScore ? 'reviewsByScore' : 'reviews',
          partition: `MOVIE#${movie.id}`,
          forward: orderBy === 'OLDEST' || orderBy === 'LOWEST',
          first,
          after: resumeAfter(ctx.cursorSecret, scope, after),
        }),
        ctx.items.load(keys.summary(movie.id)),
      ]);
      return connection(ctx, scope, page, toSummary(movie.id, summary).reviewCount);
    },
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
    __resolveReference: async (ref, ctx) => {
      const parsed = parseRatingId(ref.id);
      if (!parsed) return null;
      const item = await ctx.items.load(keys.rating(parsed.movieId, parsed.userId));
      return item ? toRating(item) : null;
    },
    id: (r: RatingItem) => ratingId(r.movieId, r.userId),
    movie: (r) => ({ id: r.movieId }),
    user: (r) => ({ id: r.userId }),
    score: (r) => r.scoreHalves / 2,
    review: (r) => r.review ?? null,
    createdAt: (r) => r.createdAt,
    updatedAt: (r) => r.updatedAt,
  },

  User: {
    __resolveReference: (ref) => ({ id: ref.id }),
    ratings: async (user, { first, after }, ctx) => {
      checkFirst(first);
      // A user's ratings are theirs to list; another user's list is not readable.
      if (ctx.caller.userId !== user.id) throw forbidden('You can only list your own ratings.');
      const scope = `ratings:${user.id}`;
      const [page, stats] = await Promise.all([
        ctx.store.page({
          index: 'byUser',
          partition: `USER#${user.id}`,
          forward: false,
          first,
          after: resumeAfter(ctx.cursorSecret, scope, after),
        }),
        ctx.items.load(keys.userStats(user.id)),
      ]);
      return connection(ctx, scope, page, Number(stats?.ratingCount ?? 0));
    },
  },
};
