import { CreateTopicCommand, GetTopicAttributesCommand } from '@aws-sdk/client-sns';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { createDynamoDb, createSns } from '../../platform/aws';
import { startTmdbServer, type TmdbServer } from '../../local/tmdb/server';
import { loadMoviesConfig } from '../../subgraphs/movies/config';
import { startMoviesService } from '../../subgraphs/movies/service';
import { loadNotificationsConfig } from '../../subgraphs/notifications/config';
import { startNotificationsService } from '../../subgraphs/notifications/service';
import { OutboxRelay } from '../../subgraphs/notifications/relay';
import { loadRatingsConfig } from '../../subgraphs/ratings/config';
import { startRatingsService } from '../../subgraphs/ratings/service';
import { callSubgraph, testSecret } from '../support/graphql';
import { freshTables, servers } from '../support/env';

/**
 * What the kit does alike for every subgraph, against the real stand-ins: /health, /ready from
 * the tables a subgraph declares, and shutdown closing only what the kit made.
 */
const secret = testSecret();
let tmdb: TmdbServer;
let tables: Awaited<ReturnType<typeof freshTables>>;
let env: Record<string, string>;

const get = async (url: string, path: '/health' | '/ready') => {
  const res = await fetch(url.replace('/graphql', path));
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

beforeAll(async () => {
  tmdb = await startTmdbServer({ port: 0, accessToken: 'tok' });
  tables = await freshTables();
  env = {
    TMDB_BASE_URL: tmdb.url,
    TMDB_ACCESS_TOKEN: 'tok',
    DYNAMODB_ENDPOINT: servers().dynamodb,
    SNS_ENDPOINT: servers().sns,
    LOG_LEVEL: 'silent',
    ...tables,
  };
});

afterAll(async () => {
  await tmdb?.close();
});

describe('the subgraph kit', () => {
  it('ratings: healthy, ready while its table can be described, and an injected client outlives stop()', async () => {
    const doc = createDynamoDb({ region: 'us-east-1', endpoint: servers().dynamodb });
    const ratings = await startRatingsService(loadRatingsConfig({ ...env, RATINGS_PORT: '0', RATINGS_METRICS_PORT: '0' }), secret, { doc });
    try {
      expect(await get(ratings.url, '/health')).toEqual({ status: 200, body: { status: 'ok', service: 'ratings' } });
      expect(await get(ratings.url, '/ready')).toEqual({ status: 200, body: { status: 'ready', service: 'ratings', checks: { dynamodb: true } } });
      const rated = await callSubgraph(ratings.url, secret, 'mutation { rateMovie(input: { movieId: "550", score: 7 }) { rating { score } } }', {}, 'kit');
      expect(rated.body.data.rateMovie.rating.score).toBe(7);
    } finally {
      await ratings.stop();
    }
    // The caller gave it, so the caller closes it: the kit left it working.
    const described = await doc.send(new DescribeTableCommand({ TableName: tables.RATINGS_TABLE }));
    expect(described.Table?.TableName).toBe(tables.RATINGS_TABLE);
    doc.destroy();
  });

  it('ratings: not ready (503) while its table is missing, yet healthy', async () => {
    const ratings = await startRatingsService(
      loadRatingsConfig({ ...env, RATINGS_TABLE: `missing-${tables.RATINGS_TABLE}`, RATINGS_PORT: '0', RATINGS_METRICS_PORT: '0' }),
      secret,
    );
    try {
      expect(await get(ratings.url, '/ready')).toEqual({ status: 503, body: { status: 'not ready', service: 'ratings', checks: { dynamodb: false } } });
      expect((await get(ratings.url, '/health')).status).toBe(200);
    } finally {
      await ratings.stop();
    }
  });

  it('notifications: the relay runs as its background work, and injected DynamoDB and SNS clients outlive stop()', async () => {
    const doc = createDynamoDb({ region: 'us-east-1', endpoint: servers().dynamodb });
    const sns = createSns({ region: 'us-east-1', endpoint: servers().sns });
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: `kit-${tables.EVENTS_TABLE}` }));
    const cfg = loadNotificationsConfig({ ...env, SNS_TOPIC_ARN: TopicArn!, RELAY_POLL_MS: '50', NOTIFICATIONS_PORT: '0', NOTIFICATIONS_METRICS_PORT: '0' });
    const notifications = await startNotificationsService(cfg, secret, { doc, sns });
    try {
      expect(notifications.relay).toBeInstanceOf(OutboxRelay);
      expect(await get(notifications.url, '/ready')).toEqual({ status: 200, body: { status: 'ready', service: 'notifications', checks: { dynamodb: true } } });
    } finally {
      await notifications.stop();
    }
    expect((await doc.send(new DescribeTableCommand({ TableName: tables.NOTIFICATIONS_TABLE }))).Table?.TableName).toBe(tables.NOTIFICATIONS_TABLE);
    expect((await sns.send(new GetTopicAttributesCommand({ TopicArn }))).Attributes?.TopicArn).toBe(TopicArn);
    doc.destroy();
    sns.destroy();
  });

  it('notifications without SNS_TOPIC_ARN starts no relay', async () => {
    const notifications = await startNotificationsService(
      loadNotificationsConfig({ ...env, NOTIFICATIONS_PORT: '0', NOTIFICATIONS_METRICS_PORT: '0' }),
      secret,
    );
    try {
      expect(notifications.relay).toBeUndefined();
    } finally {
      await notifications.stop();
    }
  });

  it('movies declares no tables: ready once it listens', async () => {
    const movies = await startMoviesService(loadMoviesConfig({ ...env, MOVIES_PORT: '0', MOVIES_METRICS_PORT: '0' }), secret);
    try {
      expect(await get(movies.url, '/ready')).toEqual({ status: 200, body: { status: 'ready', service: 'movies', checks: { listening: true } } });
    } finally {
      await movies.stop();
    }
  });

  it('a start that fails part-way rejects with its cause; the subgraph on the port serves on', async () => {
    const first = await startMoviesService(loadMoviesConfig({ ...env, MOVIES_PORT: '0', MOVIES_METRICS_PORT: '0' }), secret);
    try {
      // The port is taken: listen fails after setup made the cache and the TMDB client.
      await expect(startMoviesService(loadMoviesConfig({ ...env, MOVIES_PORT: String(first.port), MOVIES_METRICS_PORT: '0' }), secret)).rejects.toThrow(
        /EADDRINUSE/,
      );
      expect((await get(first.url, '/health')).status).toBe(200);
    } finally {
      await first.stop();
    }
  });
});
