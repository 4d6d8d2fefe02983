import { notFound, unauthenticated, userInputError } from '../../platform/errors';
import { movieExists } from '../../platform/tmdb/config';
import type { NotificationsContext } from './context';
import type { Resolvers } from './generated/resolvers';
import { keys } from './store';

function viewer(ctx: NotificationsContext): string {
  if (!ctx.caller.userId) throw unauthenticated();
  return ctx.caller.userId;
}

function movieId(id: string): string {
  if (!/^[1-9]\d{0,9}$/.test(id)) throw userInputError('movieId must be a TMDB id (a positive integer).', 'movieId');
  return id;
}

export const resolvers: Resolvers = {
  Mutation: {
    followMovie: async (_p, args, ctx) => {
      const userId = viewer(ctx);
      const id = movieId(args.movieId);
      if (!(await movieExists(ctx.tmdb, id))) throw notFound(`No film with id ${id} in the catalogue.`);
      await ctx.store.follow(userId, id);
      ctx.items.clear(keys.followers(id)).clear(keys.follow(id, userId));
      return { movie: { id }, following: true };
    },
    unfollowMovie: async (_p, args, ctx) => {
      const userId = viewer(ctx);
      const id = movieId(args.movieId);
      await ctx.store.unfollow(userId, id);
      ctx.items.clear(keys.followers(id)).clear(keys.follow(id, userId));
      return { movie: { id }, following: false };
    },
  },
  Movie: {
    __resolveReference: (ref) => ({ id: ref.id }),
    followerCount: async (m, _a, ctx) => Number((await ctx.items.load(keys.followers(m.id)))?.count ?? 0),
    viewerIsFollowing: async (m, _a, ctx) =>
      ctx.caller.userId ? (await ctx.items.load(keys.follow(m.id, ctx.caller.userId))) !== null : false,
  },
};
