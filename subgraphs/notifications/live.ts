import { GraphQLError } from 'graphql';
import { forbidden, notFound, userInputError } from '../../platform/errors';
import { parseTmdbId } from '../../platform/ids';
import type { LiveBusPublisher, LiveEvent, MovieActivityLiveEvent, NotificationLiveEvent } from '../../platform/live-bus';
import type { Logger } from '../../platform/logger';
import { viewer } from '../../platform/viewer';
import type { NotificationsContext } from './context';
import type { SubscriptionResolvers } from './generated/resolvers';
import { keys, toNotification } from './store';

/**
 * The subgraph's side of subscriptions (docs/live.md). The gateway keeps the client's stream and
 * reads the live bus; for each event it sends the subscription's primary fetch here as one
 * ordinary, signed operation carrying the event (`extensions.marqueeLiveEvent`), and these
 * resolvers turn the event into the schema's types from the subgraph's own data.
 */

/** Tells the live bus, never failing the caller: the feed (and the film's fields) stay the truth, a lost message only means a late screen. */
export async function tellLive(live: LiveBusPublisher | undefined, event: LiveEvent, log: Pick<Logger, 'warn'>): Promise<void> {
  if (!live) return;
  try {
    await live.publish(event);
  } catch (err) {
    log.warn(
      { err: err instanceof Error ? err.message : String(err), type: event.type },
      'live bus publish failed; subscribers miss this event (the feed has it)',
    );
  }
}

function liveEvent<T extends LiveEvent['type']>(ctx: NotificationsContext, type: T): Extract<LiveEvent, { type: T }> {
  const e = ctx.liveEvent as Partial<LiveEvent> | undefined;
  if (!e || e.type !== type)
    throw new GraphQLError('Subscriptions are served by the Marquee gateway over SSE or WebSocket (docs/live.md).', {
      extensions: { code: 'SUBSCRIPTION_TRANSPORT_REQUIRED' },
    });
  return e as Extract<LiveEvent, { type: T }>;
}

const servedByGateway = () => {
  throw new GraphQLError('The notifications subgraph does not stream: the gateway does (docs/live.md).', {
    extensions: { code: 'SUBSCRIPTION_TRANSPORT_REQUIRED' },
  });
};

export const subscriptionResolvers: SubscriptionResolvers<NotificationsContext> = {
  notificationReceived: {
    subscribe: servedByGateway,
    resolve: async (_root: unknown, _args: unknown, ctx: NotificationsContext) => {
      const e: NotificationLiveEvent = liveEvent(ctx, 'notification');
      if (viewer(ctx) !== e.userId) throw forbidden('A notification is delivered to its own user only.');
      // The relay wrote the item just before telling the bus: read it consistently.
      ctx.readYourWrites();
      const own = await ctx.items.load(keys.notification(e.userId, e.eventId));
      if (own) return toNotification(own);
      // Coalesced into the film's open item (notifications.md): the latest item names it.
      const latest = await ctx.items.load(keys.latest(e.userId, e.movieId));
      const coalesced = latest ? await ctx.items.load(keys.notification(e.userId, String(latest.eventId))) : null;
      if (!coalesced) throw notFound('The notification is no longer in the feed.');
      return toNotification(coalesced);
    },
  },
  movieActivity: {
    subscribe: servedByGateway,
    resolve: (_root: unknown, args: { movieId: string }, ctx: NotificationsContext) => {
      const e: MovieActivityLiveEvent = liveEvent(ctx, 'movieActivity');
      if (parseTmdbId(args.movieId, 'movieId') !== e.movieId) throw userInputError('The event is about another film.', 'movieId');
      ctx.readYourWrites();
      return { kind: e.kind, movie: { id: e.movieId } };
    },
  },
};
