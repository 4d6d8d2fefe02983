import { startTmdbServer, type TmdbServer } from '../../local/tmdb/server';
import { loadNotificationsConfig } from '../../subgraphs/notifications/config';
import { startNotificationsService } from '../../subgraphs/notifications/service';
import type { RunningServer } from '../../platform/subgraph-server';
import { callSubgraph, codes, testSecret } from '../support/graphql';
import { freshTables, servers } from '../support/env';

const secret = testSecret();
let tmdb: TmdbServer;
let notifications: RunningServer;

const FOLLOW = 'mutation F($id: ID!) { followMovie(movieId: $id) { following movie { id followerCount viewerIsFollowing } } }';
const UNFOLLOW = 'mutation U($id: ID!) { unfollowMovie(movieId: $id) { following movie { id followerCount viewerIsFollowing } } }';
const ENTITY = 'query E($reps: [_Any!]!) { _entities(representations: $reps) { ... on Movie { id followerCount viewerIsFollowing } } }';
const entity = (id: string, userId: string | null) => callSubgraph(notifications.url, secret, ENTITY, { reps: [{ __typename: 'Movie', id }] }, userId);

beforeAll(async () => {
  tmdb = await startTmdbServer({ port: 0, accessToken: 'tok' });
  const tables = await freshTables();
  const cfg = loadNotificationsConfig({
    NOTIFICATIONS_PORT: '0',
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
    await Promise.all(users.slice(0, 10).flatMap((u) => [u, u]).map((u) => callSubgraph(notifications.url, secret, UNFOLLOW, { id: '13' }, u)));
    expect((await entity('13', null)).body.data._entities[0].followerCount).toBe(20);
  });

  it('refuses anonymous callers, bad ids and unknown films', async () => {
    expect(codes(await callSubgraph(notifications.url, secret, FOLLOW, { id: '603' }, null))).toEqual(['UNAUTHENTICATED']);
    expect(codes(await callSubgraph(notifications.url, secret, FOLLOW, { id: 'x' }, 'u1'))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await callSubgraph(notifications.url, secret, FOLLOW, { id: '999999999' }, 'u1'))).toEqual(['NOT_FOUND']);
  });
});
