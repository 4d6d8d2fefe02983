/**
 * The page's live parts (docs/live.md): the signed-in user's notification badge
 * (`notificationReceived`) and a film's rating summary (`movieActivity`, written into Apollo's
 * cache and read back through a fragment watch), and what a refusal says.
 */
import { CombinedGraphQLErrors } from '@apollo/client';
import {
  FeedDocument,
  LiveMovieStatsFragmentDoc,
  MarkNotificationsReadDocument,
  MovieActivityDocument,
  NotificationReceivedDocument,
  type LiveMovieStatsFragment,
  type NotificationKind,
} from '../../../client/generated/graphql';
import { client } from './apollo';

/** What to do about each refusal code of docs/live.md. */
const ADVICE: Record<string, string> = {
  UNAUTHENTICATED: 'sign in again',
  TOKEN_EXPIRED: 'your sign-in expired: sign in again',
  TOO_MANY_CONNECTIONS: 'too many live connections: close another tab',
  SUBSCRIPTIONS_UNAVAILABLE: 'this gateway serves no live updates: try again later',
  RATE_LIMITED: 'too many requests: try again shortly',
  OPERATION_NOT_IN_SAFELIST: 'this gateway runs registered operations only',
  LIVE_BUS_UNAVAILABLE: 'the live bus is unreachable: try again shortly',
};

/** One line for a refused or ended subscription: its code first, then what to do. */
export function describeLiveError(err: unknown): string {
  let code: string | undefined;
  let detail: string;
  if (CombinedGraphQLErrors.is(err)) {
    // An `error` message: the gateway refused the subscribe (the same checks as any request).
    const first = err.errors[0];
    code = typeof first?.extensions?.code === 'string' ? first.extensions.code : undefined;
    detail = first?.message ?? err.message;
  } else {
    // A closed socket: GraphQLWsLink gives "Socket closed with event <code> <reason>", the reason `CODE` or `CODE: message`.
    const message = err instanceof Error ? err.message : String(err);
    const closed = /^Socket closed with event (\d+) ?(.*)$/.exec(message);
    const reason = closed?.[2] ?? '';
    code = /^[A-Z_]+/.exec(reason)?.[0];
    detail = closed ? `connection closed (${closed[1]}${reason ? ` ${reason}` : ''})` : message;
  }
  const advice = code ? ADVICE[code] : undefined;
  return `Live updates stopped: ${code ? `${code} — ` : ''}${advice ?? detail}`;
}

export interface BadgeView {
  unread: number;
  latest: string | null;
}

function notificationText(n: { kind: NotificationKind; score: number; actor: { id: string }; movie: { title: string } }): string {
  return `${n.actor.id} ${n.kind === 'NEW_REVIEW' ? 'reviewed' : 'rated'} ${n.movie.title}: ${n.score}`;
}

/**
 * The badge of the signed-in user: the unread count and latest notification from the feed, then
 * one more for each `notificationReceived`. Returns the stop and a "mark all read".
 */
export function startBadge(render: (view: BadgeView) => void, onError: (message: string) => void): { stop: () => void; markRead: () => Promise<void> } {
  const view: BadgeView = { unread: 0, latest: null };
  let stopped = false;
  let live: { unsubscribe(): void } | undefined;
  // graphql-ws sends this same object again when it reconnects by itself: the gateway resumes after it.
  const resume: { lastEventId?: string } = {};

  const subscribe = () => {
    live = client.subscribe({ query: NotificationReceivedDocument, extensions: resume }).subscribe({
      next: (result) => {
        if (result.error) return onError(describeLiveError(result.error));
        const eventId = result.extensions?.eventId;
        if (typeof eventId === 'string') resume.lastEventId = eventId;
        const n = result.data?.notificationReceived;
        if (!n) return;
        view.unread += 1;
        view.latest = notificationText(n);
        render({ ...view });
      },
    });
  };

  // The feed first, then the live edge: the count is the feed's and every event after adds one.
  void client
    .query({ query: FeedDocument, variables: { first: 1 }, fetchPolicy: 'network-only' })
    .then(({ data }) => {
      if (stopped) return;
      const me = data?.me;
      view.unread = me?.unreadNotificationCount ?? 0;
      const newest = me?.notifications.edges[0]?.node;
      view.latest = newest ? notificationText(newest) : null;
      render({ ...view });
    })
    .catch((err: unknown) => onError(`Notifications unavailable: ${err instanceof Error ? err.message : String(err)}`))
    .finally(() => {
      if (!stopped) subscribe();
    });

  return {
    stop: () => {
      stopped = true;
      live?.unsubscribe();
    },
    markRead: async () => {
      const { data } = await client.mutate({ mutation: MarkNotificationsReadDocument, variables: { all: true } });
      view.unread = data?.markNotificationsRead.unreadCount ?? 0;
      render({ ...view });
    },
  };
}

/**
 * A film's live activity: each `movieActivity` event is written into Apollo's cache (Movie:<id>),
 * so whatever watches the film there sees it. One per open film.
 */
export function followMovieActivity(movieId: string, onError: (message: string) => void): () => void {
  const resume: { lastEventId?: string } = {};
  const sub = client.subscribe({ query: MovieActivityDocument, variables: { movieId }, extensions: resume }).subscribe({
    next: (result) => {
      if (result.error) return onError(describeLiveError(result.error));
      const eventId = result.extensions?.eventId;
      if (typeof eventId === 'string') resume.lastEventId = eventId;
    },
  });
  return () => sub.unsubscribe();
}

/** Calls `render` with the film's live stats as the cache has them now and after every change. */
export function watchMovieStats(movieId: string, render: (stats: LiveMovieStatsFragment) => void): () => void {
  const sub = client.watchFragment({ fragment: LiveMovieStatsFragmentDoc, from: { __typename: 'Movie', id: movieId } }).subscribe({
    next: (result) => {
      if (result.complete) render(result.data);
    },
  });
  return () => sub.unsubscribe();
}
