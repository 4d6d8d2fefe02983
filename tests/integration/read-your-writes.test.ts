import { startTmdbServer, type TmdbServer } from '../../local/tmdb/server';
import { loadRatingsConfig } from '../../subgraphs/ratings/config';
import { startRatingsService } from '../../subgraphs/ratings/service';
import { loadNotificationsConfig } from '../../subgraphs/notifications/config';
import { startNotificationsService } from '../../subgraphs/notifications/service';
import { NotificationsStore } from '../../subgraphs/notifications/store';
import { newEventId } from '../../platform/events/types';
import type { RunningServer } from '../../platform/kit';
import { callSubgraph, testSecret } from '../support/graphql';
import { freshTables, servers, staleReadsDynamoDb } from '../support/env';

/**
 * Mutation payloads show the state after their write, even where eventually consistent reads
 * lag: both subgraphs run on a DynamoDB client whose eventually consistent reads answer the
 * version before the last write (tests/support/env.ts).
 */
const secret = testSecret();
let tmdb: TmdbServer;
let ratings: RunningServer;
let notifications: RunningServer;
let ddb: ReturnType<typeof staleReadsDynamoDb>;
let tables: Awaited<ReturnType<typeof freshTables>>;

beforeAll(async () => {
  tmdb = await startTmdbServer({ port: 0, accessToken: 'tok' });
  tables = await freshTables();
  ddb = staleReadsDynamoDb();
  const env = { TMDB_BASE_URL: tmdb.url, TMDB_ACCESS_TOKEN: 'tok', DYNAMODB_ENDPOINT: servers().dynamodb, LOG_LEVEL: 'silent', ...tables };
  ratings = await startRatingsService(loadRatingsConfig({ ...env, RATINGS_PORT: '0' }), secret, { doc: ddb.doc });
  notifications = await startNotificationsService(loadNotificationsConfig({ ...env, NOTIFICATIONS_PORT: '0' }), secret, { doc: ddb.doc });
});

afterAll(async () => {
  await ratings?.stop();
  await notifications?.stop();
  await tmdb?.close();
  ddb?.destroy();
});

describe('mutation payloads read their own writes', () => {
  it('rateMovie and deleteRating answer the summary after the write', async () => {
    const RATE = 'mutation R($input: RateMovieInput!) { rateMovie(input: $input) { movie { ratingSummary { average count } } } }';
    const first = await callSubgraph(ratings.url, secret, RATE, { input: { movieId: '550', score: 8 } }, 'alice');
    expect(first.body.data.rateMovie.movie.ratingSummary).toEqual({ average: 8, count: 1 });
    const second = await callSubgraph(ratings.url, secret, RATE, { input: { movieId: '550', score: 6 } }, 'bob');
    expect(second.body.data.rateMovie.movie.ratingSummary).toEqual({ average: 7, count: 2 });
    const del = await callSubgraph(ratings.url, secret, 'mutation D { deleteRating(movieId: "550") { movie { ratingSummary { count } } } }', {}, 'bob');
    expect(del.body.data.deleteRating.movie.ratingSummary).toEqual({ count: 1 });

    // The harness really is stale: a plain query right after still sees the previous version.
    const before = ddb.stale.reads;
    const read = await callSubgraph(
      ratings.url,
      secret,
      'query E($r: [_Any!]!) { _entities(representations: $r) { ... on Movie { ratingSummary { count } } } }',
      { r: [{ __typename: 'Movie', id: '550' }] },
    );
    expect(read.body.data._entities[0].ratingSummary.count).toBe(2);
    expect(ddb.stale.reads).toBeGreaterThan(before);
  });

  it('followMovie and unfollowMovie answer the follower count after the write', async () => {
    const FOLLOW = 'mutation F { followMovie(movieId: "603") { movie { followerCount viewerIsFollowing } } }';
    const UNFOLLOW = 'mutation U { unfollowMovie(movieId: "603") { movie { followerCount viewerIsFollowing } } }';
    expect((await callSubgraph(notifications.url, secret, FOLLOW, {}, 'u1')).body.data.followMovie.movie).toEqual({
      followerCount: 1,
      viewerIsFollowing: true,
    });
    expect((await callSubgraph(notifications.url, secret, FOLLOW, {}, 'u2')).body.data.followMovie.movie).toEqual({
      followerCount: 2,
      viewerIsFollowing: true,
    });
    expect((await callSubgraph(notifications.url, secret, UNFOLLOW, {}, 'u1')).body.data.unfollowMovie.movie).toEqual({
      followerCount: 1,
      viewerIsFollowing: false,
    });
  });

  it('markNotificationsRead answers the unread count after the write', async () => {
    const store = new NotificationsStore({ doc: ddb.doc, table: tables.NOTIFICATIONS_TABLE });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const eventId = newEventId(new Date(Date.now() + i));
      ids.push(eventId);
      await store.deliver({
        userId: 'reader',
        eventId,
        kind: 'NEW_RATING',
        movieId: String(700 + i),
        actorId: 'someone',
        score: 7,
        createdAt: new Date().toISOString(),
      });
    }
    const MARK = 'mutation M($all: Boolean) { markNotificationsRead(all: $all) { updated unreadCount } }';
    const out = await callSubgraph(notifications.url, secret, MARK, { all: true }, 'reader');
    expect(out.body.data.markNotificationsRead).toMatchObject({ updated: 3, unreadCount: 0 });
  });
});
