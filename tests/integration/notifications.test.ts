import { startTmdbServer, type TmdbServer } from '../../local/tmdb/server';
import { loadNotificationsConfig } from '../../subgraphs/notifications/config';
import { startNotificationsService } from '../../subgraphs/notifications/service';
import type { RunningServer } from '../../platform/kit';
import { callSubgraph, codes, testSecret } from '../support/graphql';
import { freshTables, servers } from '../support/env';
import { NotificationsStore } from '../../subgraphs/notifications/store';
import { createDynamoDb } from '../../platform/aws';
import { newEventId } from '../../platform/events/types';

const secret = testSecret();
let tmdb: TmdbServer;
let notifications: RunningServer;
let tablesUsed: { NOTIFICATIONS_TABLE: string };

const FOLLOW = 'mutation F($id: ID!) { followMovie(movieId: $id) { following movie { id followerCount viewerIsFollowing } } }';
const UNFOLLOW = 'mutation U($id: ID!) { unfollowMovie(movieId: $id) { following movie { id followerCount viewerIsFollowing } } }';
const ENTITY = 'query E($reps: [_Any!]!) { _entities(representations: $reps) { ... on Movie { id followerCount viewerIsFollowing } } }';
const entity = (id: string, userId: string | null) => callSubgraph(notifications.url, secret, ENTITY, { reps: [{ __typename: 'Movie', id }] }, userId);

beforeAll(async () => {
  tmdb = await startTmdbServer({ port: 0, accessToken: 'tok' });
  const tables = await freshTables();
  tablesUsed = tables;
  const cfg = loadNotificationsConfig({
    NOTIFICATIONS_PORT: '0',
    NOTIFICATIONS_METRICS_PORT: '0',
    TMDB_BASE_URL: tmdb.url,
    TMDB_ACCESS_TOKEN: 'tok',
    DYNAMODB_ENDPOINT: servers().dynamodb,
    LOG_LEVEL: 'silent',
    ...tables,
  });
  notifications = await startNotificationsService(cfg, secret);
});

afterAll(async () => {
  await notifications?.stop();
  await tmdb?.close();
});

describe('notifications subgraph: follows against DynamoDB Local', () => {
  it('follows and unfollows idempotently', async () => {
    const first = await callSubgraph(notifications.url, secret, FOLLOW, { id: '603' }, 'u1');
    expect(first.body.data.followMovie).toEqual({ following: true, movie: { id: '603', followerCount: 1, viewerIsFollowing: true } });
    const again = await callSubgraph(notifications.url, secret, FOLLOW, { id: '603' }, 'u1');
    expect(again.body.data.followMovie.movie.followerCount).toBe(1);
    expect((await entity('603', 'u2')).body.data._entities[0]).toEqual({ id: '603', followerCount: 1, viewerIsFollowing: false });
    expect((await entity('603', null)).body.data._entities[0].viewerIsFollowing).toBe(false);
    const un = await callSubgraph(notifications.url, secret, UNFOLLOW, { id: '603' }, 'u1');
    expect(un.body.data.unfollowMovie).toEqual({ following: false, movie: { id: '603', followerCount: 0, viewerIsFollowing: false } });
    const unAgain = await callSubgraph(notifications.url, secret, UNFOLLOW, { id: '603' }, 'u1');
    expect(unAgain.body.data.unfollowMovie.movie.followerCount).toBe(0);
  });

  it('keeps the follower count exact under concurrent, repeated follows', async () => {
    const users = Array.from({ length: 30 }, (_, i) => `c${i}`);
    const calls = users.flatMap((u) => [u, u, u]).map((u) => callSubgraph(notifications.url, secret, FOLLOW, { id: '13' }, u));
    const results = await Promise.all(calls);
    for (const r of results) expect(r.body.errors).toBeUndefined();
    expect((await entity('13', null)).body.data._entities[0].followerCount).toBe(30);
    await Promise.all(
      users
        .slice(0, 10)
        .flatMap((u) => [u, u])
        .map((u) => callSubgraph(notifications.url, secret, UNFOLLOW, { id: '13' }, u)),
    );
    expect((await entity('13', null)).body.data._entities[0].followerCount).toBe(20);
  });

  it('refuses anonymous callers, bad ids and unknown films', async () => {
    expect(codes(await callSubgraph(notifications.url, secret, FOLLOW, { id: '603' }, null))).toEqual(['UNAUTHENTICATED']);
    expect(codes(await callSubgraph(notifications.url, secret, FOLLOW, { id: 'x' }, 'u1'))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await callSubgraph(notifications.url, secret, FOLLOW, { id: '999999999' }, 'u1'))).toEqual(['NOT_FOUND']);
  });
});

describe('feed, read state and preferences', () => {
  const FEED = `query F($reps: [_Any!]!, $first: Int!, $after: String, $unread: Boolean!) { _entities(representations: $reps) { ... on User {
    unreadNotificationCount notificationPreferences { kinds mutedMovieIds }
    notifications(first: $first, after: $after, unreadOnly: $unread) { edges { cursor node { id kind score movie { id } actor { id } rating { id } readAt } } pageInfo { hasNextPage endCursor } } } } }`;
  const feed = (userId: string, viewer: string | null, first = 10, after: string | null = null, unread = false) =>
    callSubgraph(notifications.url, secret, FEED, { reps: [{ __typename: 'User', id: userId }], first, after, unread }, viewer);

  beforeAll(async () => {
    // Feed items as the relay writes them (the relay itself is tested in relay.test.ts); one film
    // each, since one follower's items about one film coalesce.
    const store = new NotificationsStore({ doc: createDynamoDb({ region: 'us-east-1', endpoint: servers().dynamodb }), table: tablesUsed.NOTIFICATIONS_TABLE });
    for (let i = 0; i < 25; i++) {
      const at = new Date(Date.UTC(2026, 0, 1, 0, 0, i));
      await store.deliver({
        userId: 'reader',
        eventId: newEventId(at),
        kind: i % 2 ? 'NEW_REVIEW' : 'NEW_RATING',
        movieId: String(550 + i),
        actorId: `actor${i}`,
        score: 7,
        createdAt: at.toISOString(),
      });
    }
  });

  it('pages the feed newest first, only for its owner', async () => {
    const ids: string[] = [];
    let after: string | null = null;
    for (;;) {
      const res = await feed('reader', 'reader', 10, after);
      expect(res.body.errors).toBeUndefined();
      const user = res.body.data._entities[0];
      expect(user.unreadNotificationCount).toBe(25);
      ids.push(...user.notifications.edges.map((e: { node: { actor: { id: string } } }) => e.node.actor.id));
      if (!user.notifications.pageInfo.hasNextPage) break;
      after = user.notifications.pageInfo.endCursor;
    }
    expect(ids).toEqual(Array.from({ length: 25 }, (_, i) => `actor${24 - i}`));
    expect(codes(await feed('reader', 'snoop'))).toEqual(['FORBIDDEN']);
    expect(codes(await feed('reader', null))).toEqual(['UNAUTHENTICATED']);
  });

  it('marks notifications read, once', async () => {
    const first = await feed('reader', 'reader', 3);
    const ids = first.body.data._entities[0].notifications.edges.map((e: { node: { id: string } }) => e.node.id);
    const MARK = 'mutation M($ids: [ID!], $all: Boolean) { markNotificationsRead(ids: $ids, all: $all) { updated unreadCount } }';
    const mark = await callSubgraph(notifications.url, secret, MARK, { ids }, 'reader');
    expect(mark.body.data.markNotificationsRead).toEqual({ updated: 3, unreadCount: 22 });
    const again = await callSubgraph(notifications.url, secret, MARK, { ids }, 'reader');
    expect(again.body.data.markNotificationsRead).toEqual({ updated: 0, unreadCount: 22 });
    const unread = await feed('reader', 'reader', 50, null, true);
    expect(unread.body.data._entities[0].notifications.edges).toHaveLength(22);
    expect(codes(await callSubgraph(notifications.url, secret, MARK, { ids: ['bogus'] }, 'reader'))).toEqual(['BAD_USER_INPUT']);
    const all = await callSubgraph(notifications.url, secret, MARK, { all: true }, 'reader');
    expect(all.body.data.markNotificationsRead).toEqual({ updated: 22, unreadCount: 0 });
  });

  it('marks all read in bounded batches of 100, saying how many are left', async () => {
    const store = new NotificationsStore({ doc: createDynamoDb({ region: 'us-east-1', endpoint: servers().dynamodb }), table: tablesUsed.NOTIFICATIONS_TABLE });
    for (let i = 0; i < 150; i++) {
      const at = new Date(Date.UTC(2026, 1, 1, 0, 0, i));
      await store.deliver({
        userId: 'hoarder',
        eventId: newEventId(at),
        kind: 'NEW_RATING',
        movieId: String(1000 + i),
        actorId: 'a',
        score: 5,
        createdAt: at.toISOString(),
      });
    }
    const MARK = 'mutation M { markNotificationsRead(all: true) { updated unreadCount } }';
    expect((await callSubgraph(notifications.url, secret, MARK, {}, 'hoarder')).body.data.markNotificationsRead).toEqual({ updated: 100, unreadCount: 50 });
    expect((await callSubgraph(notifications.url, secret, MARK, {}, 'hoarder')).body.data.markNotificationsRead).toEqual({ updated: 50, unreadCount: 0 });
    expect((await callSubgraph(notifications.url, secret, MARK, {}, 'hoarder')).body.data.markNotificationsRead).toEqual({ updated: 0, unreadCount: 0 });
  });

  it('stores preferences and validates them', async () => {
    const PREFS = 'mutation P($input: NotificationPreferencesInput!) { updateNotificationPreferences(input: $input) { kinds mutedMovieIds } }';
    const res = await callSubgraph(notifications.url, secret, PREFS, { input: { kinds: ['NEW_REVIEW'], mutedMovieIds: ['13', '13'] } }, 'reader');
    expect(res.body.data.updateNotificationPreferences).toEqual({ kinds: ['NEW_REVIEW'], mutedMovieIds: ['13'] });
    expect((await feed('reader', 'reader', 1)).body.data._entities[0].notificationPreferences).toEqual({ kinds: ['NEW_REVIEW'], mutedMovieIds: ['13'] });
    expect(codes(await callSubgraph(notifications.url, secret, PREFS, { input: { mutedMovieIds: ['x'] } }, 'reader'))).toEqual(['BAD_USER_INPUT']);
  });
});
