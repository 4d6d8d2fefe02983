import { resumeAfter, toConnection } from '../../platform/connection';
import { checkFirst } from '../../platform/cursor';
import { forbidden, notFound, userInputError } from '../../platform/errors';
import { notificationId, parseNotificationId, parseTmdbId, ratingId } from '../../platform/ids';
import { mapLimit } from '../../platform/map-limit';
import { viewer } from '../../platform/viewer';
import { movieExists } from '../../platform/tmdb/movie-exists';
import type { NotificationsContext } from './context';
import type { Resolvers } from './generated/resolvers';
import { subscriptionResolvers } from './live';
import { keys, toNotification, toPreferences, type StoredItem } from './store';

/** Viewer fields of a User are readable by that user only. */
function self(ctx: NotificationsContext, userId: string): string {
  if (viewer(ctx) !== userId) throw forbidden('Only the user can read their own follows and notifications.');
  return userId;
}

/** The key of an item within a listing, so a cursor can resume after it. */
function listKey(kind: 'feed' | 'unread' | 'follows', item: StoredItem): Record<string, string> {
  const k: Record<string, string> = { pk: String(item.pk), sk: String(item.sk) };
  if (kind === 'unread') Object.assign(k, { unreadpk: String(item.unreadpk), unreadsk: String(item.unreadsk) });
  if (kind === 'follows') Object.assign(k, { byUserpk: String(item.byUserpk), byUsersk: String(item.byUsersk) });
  return k;
}

async function page(ctx: NotificationsContext, kind: 'feed' | 'unread' | 'follows', userId: string, first: number, after: string | null | undefined) {
  checkFirst(first);
  const scope = `${kind}:${userId}`;
  const result = await ctx.store.page({ kind, userId, first, after: resumeAfter(ctx.cursorSecret, scope, after) });
  return toConnection(ctx.cursorSecret, scope, result, (item) => listKey(kind, item));
}

async function unreadCount(ctx: NotificationsContext, userId: string): Promise<number> {
  return Math.max(0, Number((await ctx.items.load(keys.unread(userId)))?.count ?? 0));
}

const MAX_MARK = 100;

export const resolvers: Resolvers = {
  Mutation: {
    followMovie: async (_p, args, ctx) => {
      const userId = viewer(ctx);
      const id = parseTmdbId(args.movieId, 'movieId');
      if (!(await movieExists(ctx.tmdb, id))) throw notFound(`No film with id ${id} in the catalogue.`);
      await ctx.store.follow(userId, id);
      ctx.readYourWrites();
      ctx.items.clear(keys.followers(id)).clear(keys.follow(id, userId));
      return { movie: { id }, following: true };
    },
    unfollowMovie: async (_p, args, ctx) => {
      const userId = viewer(ctx);
      const id = parseTmdbId(args.movieId, 'movieId');
      await ctx.store.unfollow(userId, id);
      ctx.readYourWrites();
      ctx.items.clear(keys.followers(id)).clear(keys.follow(id, userId));
      return { movie: { id }, following: false };
    },
    markNotificationsRead: async (_p, { ids, all }, ctx) => {
      const userId = viewer(ctx);
      if (!all && !ids?.length) throw userInputError('Give the ids to mark read, or all: true.', 'ids');
      if (ids && ids.length > MAX_MARK) throw userInputError(`At most ${MAX_MARK} ids at a time.`, 'ids');
      // `all` marks at most MAX_MARK per call (oldest first); the payload's unreadCount says how
      // many are left, and calling again is safe.
      const eventIds = all
        ? await ctx.store.unreadIds(userId, MAX_MARK)
        : (ids ?? []).map((id) => {
            const eventId = parseNotificationId(id);
            if (!eventId) throw userInputError(`${id} is not a notification id.`, 'ids');
            return eventId;
          });
      const now = new Date().toISOString();
      let updated = 0;
      await mapLimit(eventIds, 10, async (eventId) => {
        if (await ctx.store.markRead(userId, eventId, now)) updated++;
      });
      ctx.readYourWrites();
      ctx.items.clear(keys.unread(userId));
      return { updated, unreadCount: await unreadCount(ctx, userId) };
    },
    updateNotificationPreferences: async (_p, { input }, ctx) => {
      const userId = viewer(ctx);
      const current = toPreferences(await ctx.items.load(keys.prefs(userId)));
      const muted = input.mutedMovieIds ?? current.mutedMovieIds;
      if (muted.length > 500) throw userInputError('At most 500 muted films.', 'input.mutedMovieIds');
      muted.forEach((id) => parseTmdbId(id, 'input.mutedMovieIds'));
      const next = { kinds: [...new Set(input.kinds ?? current.kinds)], mutedMovieIds: [...new Set(muted)] };
      await ctx.store.savePreferences(userId, next);
      ctx.readYourWrites();
      ctx.items.clear(keys.prefs(userId));
      return next;
    },
  },

  Subscription: subscriptionResolvers,

  Movie: {
    __resolveReference: (ref) => ({ id: ref.id }),
    followerCount: async (m, _a, ctx) => Math.max(0, Number((await ctx.items.load(keys.followers(m.id)))?.count ?? 0)),
    viewerIsFollowing: async (m, _a, ctx) => (ctx.caller.userId ? (await ctx.items.load(keys.follow(m.id, ctx.caller.userId))) !== null : false),
  },

  User: {
    __resolveReference: (ref) => ({ id: ref.id }),
    followedMovies: async (user, { first, after }, ctx) => {
      const p = await page(ctx, 'follows', self(ctx, user.id), first, after);
      return {
        pageInfo: p.pageInfo,
        edges: p.edges.map((e) => ({ cursor: e.cursor, node: { id: String(e.node.movieId) }, followedAt: String(e.node.followedAt) })),
      };
    },
    notifications: async (user, { first, after, unreadOnly }, ctx) => {
      const p = await page(ctx, unreadOnly ? 'unread' : 'feed', self(ctx, user.id), first, after);
      return { pageInfo: p.pageInfo, edges: p.edges.map((e) => ({ cursor: e.cursor, node: toNotification(e.node) })) };
    },
    unreadNotificationCount: async (user, _a, ctx) => unreadCount(ctx, self(ctx, user.id)),
    notificationPreferences: async (user, _a, ctx) => toPreferences(await ctx.items.load(keys.prefs(self(ctx, user.id)))),
  },

  Notification: {
    id: (n) => notificationId(n.eventId),
    kind: (n) => n.kind,
    movie: (n) => ({ id: n.movieId }),
    actor: (n) => ({ id: n.actorId }),
    rating: (n) => ({ id: ratingId(n.movieId, n.actorId) }),
    score: (n) => n.score,
    createdAt: (n) => n.createdAt,
    readAt: (n) => n.readAt ?? null,
  },

  NotificationPreferences: {
    kinds: (p) => (p.kinds.length ? p.kinds : []),
    mutedMovieIds: (p) => p.mutedMovieIds,
  },
};
