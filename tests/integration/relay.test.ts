import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, DeleteMessageBatchCommand } from '@aws-sdk/client-sqs';
import { CreateTopicCommand, SubscribeCommand, SNSClient, type PublishBatchCommand } from '@aws-sdk/client-sns';
import { GetCommand, PutCommand, QueryCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { createDynamoDb, createSns, createSqs } from '../../platform/aws';
import { createLogger } from '../../platform/logger';
import { EVENT_SCHEMA_VERSION, newEventId } from '../../platform/events/types';
import { RatingsStore } from '../../subgraphs/ratings/store';
import { NotificationsStore, type NotificationItem } from '../../subgraphs/notifications/store';
import { Outbox } from '../../subgraphs/notifications/outbox';
import { OutboxRelay, RelayCrash, type CrashPoint } from '../../subgraphs/notifications/relay';
import { invalidationOfEvent, movieDependencies } from '../../platform/cache-invalidation';
import { publishInvalidation } from '../../gateway/entity-cache/generations';
import { GENERATION_PREFIX } from '../../gateway/entity-cache/tags';
import type { DomainEvent } from '../../platform/events/types';
import { LiveBusPublisher, LIVE_STREAM_KEY, liveTopic } from '../../platform/live-bus';
import { freshTables, servers } from '../support/env';
import { redisClients } from '../support/redis-clients';

/**
 * The relay against DynamoDB Local and fauxqs: a real SQS queue subscribed to the topic with a
 * filter policy receives what the relay publishes.
 */
const log = createLogger('relay-test', 'silent');
let tables: Awaited<ReturnType<typeof freshTables>>;
let doc: ReturnType<typeof createDynamoDb>;
let sns: SNSClient;
let sqs: ReturnType<typeof createSqs>;
let topicArn: string;
let ratings: RatingsStore;
let notifications: NotificationsStore;
let outbox: Outbox;

async function queueFor(filter: Record<string, unknown> | null) {
  const name = `q-${Math.random().toString(36).slice(2, 10)}`;
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  await sns.send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: 'sqs',
      Endpoint: attrs.Attributes!.QueueArn,
      Attributes: { RawMessageDelivery: 'true', ...(filter ? { FilterPolicy: JSON.stringify(filter) } : {}) },
    }),
  );
  return QueueUrl!;
}

async function drain(queueUrl: string, waitMs = 1500) {
  const messages: { body: Record<string, unknown>; attributes: Record<string, string> }[] = [];
  const until = Date.now() + waitMs;
  while (Date.now() < until) {
    const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageAttributeNames: ['All'] }));
    const batch = out.Messages ?? [];
    for (const m of batch) {
      messages.push({
        body: JSON.parse(m.Body!),
        attributes: Object.fromEntries(Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [k, String(v.StringValue)])),
      });
    }
    if (batch.length)
      await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: batch.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
    else await new Promise((r) => setTimeout(r, 100));
  }
  return messages;
}

function relay(extra: Partial<ConstructorParameters<typeof OutboxRelay>[0]> = {}) {
  return new OutboxRelay({ outbox, store: notifications, sns, topicArn, logger: log, leaseMs: 200, batchSize: 100, ...extra });
}

async function runUntilIdle(r: OutboxRelay, maxPasses = 200) {
  for (let i = 0; i < maxPasses; i++) {
    await r.runOnce();
    if ((await outbox.pending(1)).length === 0) return;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error('relay did not drain the outbox');
}

/** Runs passes until `done()` holds (the hook under test fired, and that pass ended). */
async function waitFor(done: () => boolean, r: OutboxRelay) {
  for (let i = 0; i < 50 && !done(); i++) await r.runOnce();
  if (!done()) throw new Error('condition never held');
}

async function unread(userId: string) {
  const out = await doc.send(new GetCommand({ TableName: tables.NOTIFICATIONS_TABLE, Key: { pk: `USER#${userId}`, sk: 'UNREAD' }, ConsistentRead: true }));
  return Number(out.Item?.count ?? 0);
}

async function feed(userId: string) {
  const out = await doc.send(
    new QueryCommand({
      TableName: tables.NOTIFICATIONS_TABLE,
      KeyConditionExpression: 'pk = :p AND begins_with(sk, :n)',
      ExpressionAttributeValues: { ':p': `USER#${userId}`, ':n': 'NOTIF#' },
    }),
  );
  return out.Items ?? [];
}

beforeAll(async () => {
  tables = await freshTables();
  doc = createDynamoDb({ region: 'us-east-1', endpoint: servers().dynamodb });
  sns = createSns({ region: 'us-east-1', endpoint: servers().sns });
  sqs = createSqs({ region: 'us-east-1', endpoint: servers().sqs });
  topicArn = (await sns.send(new CreateTopicCommand({ Name: `events-${Math.random().toString(36).slice(2, 8)}` }))).TopicArn!;
  ratings = new RatingsStore({ doc, table: tables.RATINGS_TABLE, eventsTable: tables.EVENTS_TABLE });
  notifications = new NotificationsStore({ doc, table: tables.NOTIFICATIONS_TABLE });
  outbox = new Outbox({ doc, table: tables.EVENTS_TABLE });
});

afterAll(() => {
  doc.destroy();
  sns.destroy();
  sqs.destroy();
});

describe('outbox relay', () => {
  const { ready } = redisClients();
  it('follow → rate → a filtered queue receives the event, the follower gets one feed item, the author none', async () => {
    const created = await queueFor({ eventType: ['RatingCreated'] });
    const deletedOnly = await queueFor({ eventType: ['RatingDeleted'] });
    await notifications.follow('fan', '550');
    await notifications.follow('critic', '550');
    await ratings.rate('critic', '550', 18, 'A sharp satire.');
    await runUntilIdle(relay());

    const got = await drain(created);
    expect(got).toHaveLength(1);
    expect(got[0].attributes).toEqual({ eventType: 'RatingCreated', movieId: '550' });
    expect(got[0].body).toMatchObject({
      schemaVersion: EVENT_SCHEMA_VERSION,
      eventType: 'RatingCreated',
      movieId: '550',
      userId: 'critic',
      score: 9,
      hasReview: true,
    });
    expect(await drain(deletedOnly, 500)).toHaveLength(0);

    const fanFeed = await feed('fan');
    expect(fanFeed).toHaveLength(1);
    expect(fanFeed[0]).toMatchObject({ kind: 'NEW_REVIEW', movieId: '550', actorId: 'critic', score: 9 });
    expect(await feed('critic')).toHaveLength(0);
  });

  const crashPoints: CrashPoint[] = ['afterFeedPage', 'afterPublish', 'beforeDone'];
  it.each(crashPoints)('a relay killed at %s loses nothing and duplicates no feed item', async (point) => {
    const movieId = String(1000 + crashPoints.indexOf(point));
    const queue = await queueFor({ movieId: [movieId] });
    // 250 followers: the fan-out takes three pages, so a crash after a page is mid-way.
    for (let i = 0; i < 250; i++) await notifications.follow(`f${point}${i}`, movieId);
    await ratings.rate(`author-${point}`, movieId, 14, undefined);
    let crashed = 0;
    const dying = relay({
      fanoutPageSize: 100,
      crash: (p) => {
        if (p === point && crashed++ === 0) throw new RelayCrash(p);
      },
    });
    await expect(dying.runOnce()).rejects.toBeInstanceOf(RelayCrash);
    await new Promise((r) => setTimeout(r, 250)); // the dead relay's lease lapses
    await runUntilIdle(relay());

    let delivered = 0;
    for (let i = 0; i < 250; i++) delivered += (await feed(`f${point}${i}`)).length;
    expect(delivered).toBe(250);
    const messages = await drain(queue);
    // At-least-once: the crash between publish and its record may repeat the message, never lose it.
    expect(messages.length).toBeGreaterThanOrEqual(1);
    expect(messages.length).toBeLessThanOrEqual(point === 'afterPublish' || point === 'beforeDone' ? 2 : 1);
    expect(new Set(messages.map((m) => m.body.eventId)).size).toBe(1);
  });

  describe('leases', () => {
    /** A store whose feed writes are slow, so a fan-out outlasts the lease many times over. */
    class SlowStore extends NotificationsStore {
      override async deliver(n: NotificationItem): Promise<boolean> {
        await new Promise((r) => setTimeout(r, 200));
        return super.deliver(n);
      }
    }
    const eventOf = async (movieId: string) => {
      const out = await doc.send(new ScanCommand({ TableName: tables.EVENTS_TABLE }));
      return (out.Items ?? []).find((i) => i.event?.movieId === movieId)!;
    };

    it('two relays, a 300 ms lease and a 3 s fan-out: each follower gets one item, the event is published, nothing is dead-lettered', async () => {
      const movieId = '7001';
      const queue = await queueFor({ movieId: [movieId] });
      for (let i = 0; i < 150; i++) await notifications.follow(`lease${i}`, movieId);
      await ratings.rate('lease-author', movieId, 16, undefined);
      const slow = new SlowStore({ doc, table: tables.NOTIFICATIONS_TABLE });
      const relays = [
        relay({ store: slow, leaseMs: 300, fanoutPageSize: 20, pollMs: 50, maxAttempts: 3 }),
        relay({ store: slow, leaseMs: 300, fanoutPageSize: 20, pollMs: 50, maxAttempts: 3 }),
      ];
      const started = Date.now();
      relays.forEach((r) => r.start());
      while ((await outbox.pending(1)).length > 0 && Date.now() - started < 60_000) await new Promise((r) => setTimeout(r, 100));
      await Promise.all(relays.map((r) => r.stop()));
      expect(Date.now() - started).toBeGreaterThan(1500); // it really outlasted the lease

      for (let i = 0; i < 150; i++) expect(await feed(`lease${i}`)).toHaveLength(1);
      const messages = await drain(queue);
      expect(messages.length).toBeGreaterThanOrEqual(1);
      expect(new Set(messages.map((m) => m.body.eventId)).size).toBe(1);
      const item = await eventOf(movieId);
      expect(item).toMatchObject({ status: 'DONE' });
      expect(Number(item.attempts ?? 0)).toBe(0);
      expect((await outbox.deadLetters()).map((d) => d.eventId)).not.toContain(item.event.eventId);
    }, 90_000);

    it("a relay that lost its lease leaves the new holder's claim alone and counts no attempt", async () => {
      const movieId = '7002';
      for (let i = 0; i < 60; i++) await notifications.follow(`stolen${i}`, movieId);
      await ratings.rate('stolen-author', movieId, 12, undefined);
      let stolen = false;
      const loser = relay({
        fanoutPageSize: 20,
        leaseMs: 10_000,
        crash: async (p, e) => {
          if (p !== 'afterFeedPage' || stolen || e.movieId !== movieId) return;
          stolen = true;
          // Another relay takes over, as if ours had paused past its lease.
          await doc.send(
            new UpdateCommand({
              TableName: tables.EVENTS_TABLE,
              Key: { pk: `EVENT#${e.eventId}`, sk: 'EVENT' },
              UpdateExpression: 'SET claimedBy = :t, leaseUntil = :u',
              ExpressionAttributeValues: { ':t': 'thief', ':u': Date.now() + 3000 },
            }),
          );
        },
      });
      await waitFor(() => stolen, loser);
      const item = await eventOf(movieId);
      const row = (await doc.send(new GetCommand({ TableName: tables.EVENTS_TABLE, Key: { pk: item.pk, sk: 'EVENT' } }))).Item!;
      expect(row.claimedBy).toBe('thief');
      expect(Number(row.attempts ?? 0)).toBe(0);
      expect(row.lastError).toBeUndefined();

      await doc.send(
        new UpdateCommand({
          TableName: tables.EVENTS_TABLE,
          Key: { pk: item.pk, sk: 'EVENT' },
          UpdateExpression: 'SET leaseUntil = :z',
          ExpressionAttributeValues: { ':z': 0 },
        }),
      ); // the thief "dies"; its lease lapses
      await runUntilIdle(relay());
      for (let i = 0; i < 60; i++) expect(await feed(`stolen${i}`)).toHaveLength(1);
      expect(await eventOf(movieId)).toMatchObject({ status: 'DONE' });
    });
  });

  describe('coalescing', () => {
    it('one feed item per follower and film within the window, updated in place with the latest, unread again', async () => {
      const movieId = '8001';
      await notifications.follow('coalesced', movieId);
      await ratings.rate('c-first', movieId, 8, undefined);
      await ratings.rate('c-second', movieId, 12, 'Grows on you.');
      await runUntilIdle(relay());
      let items = await feed('coalesced');
      expect(items).toHaveLength(1);
      expect(items[0]).toMatchObject({ movieId, actorId: 'c-second', score: 6, kind: 'NEW_REVIEW' });
      expect(await unread('coalesced')).toBe(1);

      // Read it; the next rating within the window brings the same item back, unread.
      expect(await notifications.markRead('coalesced', String(items[0].eventId), new Date().toISOString())).toBe(true);
      expect(await unread('coalesced')).toBe(0);
      await ratings.rate('c-first', movieId, 20, undefined);
      await runUntilIdle(relay());
      items = await feed('coalesced');
      expect(items).toHaveLength(1);
      expect(items[0]).toMatchObject({ actorId: 'c-first', score: 10, kind: 'NEW_RATING' });
      expect(items[0].readAt).toBeUndefined();
      expect(await unread('coalesced')).toBe(1);
    });

    it('a new item once the window has passed; a repeated or older event changes nothing', async () => {
      const store = new NotificationsStore({ doc, table: tables.NOTIFICATIONS_TABLE, coalesceWindowSeconds: 60 });
      const base = { userId: 'windowed', movieId: '8002', kind: 'NEW_RATING' as const, actorId: 'x' };
      const at = (s: number) => new Date(Date.UTC(2026, 5, 1, 0, 0, s));
      const e1 = { ...base, eventId: newEventId(at(0)), score: 1, createdAt: at(0).toISOString() };
      const e2 = { ...base, eventId: newEventId(at(30)), score: 2, createdAt: at(30).toISOString() };
      const e3 = { ...base, eventId: newEventId(at(90)), score: 3, createdAt: at(90).toISOString() };
      expect(await store.deliver(e1)).toBe(true);
      expect(await store.deliver(e2)).toBe(true);
      expect(await store.deliver(e2)).toBe(false);
      expect(await store.deliver(e1)).toBe(false);
      expect((await feed('windowed')).map((i) => i.score)).toEqual([2]);
      expect(await store.deliver(e3)).toBe(true);
      expect((await feed('windowed')).map((i) => i.score)).toEqual([2, 3]);
      expect(await unread('windowed')).toBe(2);
    });
  });

  it('waits out an SNS outage and publishes everything when it returns', async () => {
    const queue = await queueFor({ movieId: ['2001'] });
    for (let i = 0; i < 5; i++) await ratings.rate(`outage${i}`, '2001', 10, undefined);
    const broken = {
      send: async (_c: PublishBatchCommand) => {
        throw new Error('SNS is down');
      },
    } as unknown as SNSClient;
    const down = relay({ sns: broken });
    for (let i = 0; i < 3; i++) {
      await down.runOnce();
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await outbox.pending(10)).length).toBe(5);
    await new Promise((r) => setTimeout(r, 1100)); // the failed attempts' back-off
    await runUntilIdle(relay());
    const messages = await drain(queue);
    expect(messages.map((m) => m.body.userId).sort()).toEqual(['outage0', 'outage1', 'outage2', 'outage3', 'outage4']);
  });

  it('sets a poison event aside with its error and keeps relaying the others', async () => {
    const eventId = newEventId();
    await doc.send(
      new PutCommand({
        TableName: tables.EVENTS_TABLE,
        Item: {
          pk: `EVENT#${eventId}`,
          sk: 'EVENT',
          pendingpk: 'PENDING',
          pendingsk: eventId,
          status: 'PENDING',
          event: {
            schemaVersion: 1,
            eventId,
            eventType: 'RatingExploded',
            movieId: '550',
            userId: 'x',
            score: 1,
            hasReview: false,
            occurredAt: new Date().toISOString(),
          },
        },
      }),
    );
    await ratings.rate('healthy', '3001', 12, undefined);
    const r = relay({ maxAttempts: 3 });
    for (let i = 0; i < 40 && (await outbox.pending(10)).length > 0; i++) {
      await r.runOnce();
      await new Promise((res) => setTimeout(res, 100));
      // Let the poison event's back-off pass quickly in the test.
      await doc.send(new ScanCommand({ TableName: tables.EVENTS_TABLE })).then(async (out) => {
        for (const item of out.Items ?? []) {
          if (item.pendingpk && item.leaseUntil && !item.claimedBy) {
            await doc.send(new PutCommand({ TableName: tables.EVENTS_TABLE, Item: { ...item, leaseUntil: 0 } }));
          }
        }
      });
    }
    expect(await outbox.pending(10)).toHaveLength(0);
    const dead = await outbox.deadLetters();
    expect(dead).toEqual([{ eventId, error: 'unknown eventType RatingExploded' }]);
  });

  it('relays a burst of 1,000 events across 50 movies, with exact feed counts', async () => {
    const movies = Array.from({ length: 50 }, (_, i) => String(5000 + i));
    const queue = await queueFor({ movieId: movies });
    for (const m of movies) {
      await notifications.follow(`burst-a`, m);
      await notifications.follow(`burst-b`, m);
    }
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 1000; i++) writes.push(ratings.rate(`rater${i}`, movies[i % 50], 1 + (i % 20), undefined));
    await Promise.all(writes);
    // A production-like lease: with 200 ms, renewing 100 held events every 66 ms floods DynamoDB Local.
    await runUntilIdle(relay({ leaseMs: 10_000 }), 400);
    const messages = await drain(queue, 3000);
    expect(new Set(messages.map((m) => m.body.eventId)).size).toBe(1000);
    // Twenty ratings of each film within the hour: one feed item per film, with the latest.
    expect(await feed('burst-a')).toHaveLength(50);
    expect(await feed('burst-b')).toHaveLength(50);
    expect(await unread('burst-a')).toBe(50);
  }, 240_000);

  it("relays follows from the outbox and invalidates the gateways' cached film on claim, and relays them when invalidation fails", async () => {
    const withEvents = new NotificationsStore({ doc, table: tables.NOTIFICATIONS_TABLE, eventsTable: tables.EVENTS_TABLE });
    const follows = await queueFor({ eventType: ['MovieFollowed', 'MovieUnfollowed'] });
    const redis = await ready(servers().redis);
    const film = String(700 + Math.floor(Math.random() * 200));
    const [entity] = movieDependencies(film);
    const generation = async () => Number((await redis.get(GENERATION_PREFIX + entity)) ?? 0);
    const before = await generation();
    const heard: DomainEvent[] = [];
    const invalidate = async (event: DomainEvent) => {
      heard.push(event);
      const { deps, committedAt } = invalidationOfEvent(event);
      await publishInvalidation(redis, deps, committedAt);
    };

    expect(await withEvents.follow('follower-a', film)).toBe(true);
    expect(await withEvents.follow('follower-a', film)).toBe(false); // no change, no event
    expect(await withEvents.unfollow('follower-a', film)).toBe(true);
    await runUntilIdle(relay({ invalidate }));

    // Events are relayed concurrently, in any order: invalidations commute (each is an INCR).
    expect(heard.map((e) => [e.eventType, e.movieId, e.userId]).sort()).toEqual([
      ['MovieFollowed', film, 'follower-a'],
      ['MovieUnfollowed', film, 'follower-a'],
    ]);
    expect((await generation()) - before).toBe(2);
    const got = await drain(follows);
    expect(got.map((m) => m.attributes).sort((a, b) => a.eventType.localeCompare(b.eventType))).toEqual([
      { eventType: 'MovieFollowed', movieId: film },
      { eventType: 'MovieUnfollowed', movieId: film },
    ]);
    expect(await feed('follower-a')).toEqual([]);

    // Invalidation failing (Redis down) costs the cache's freshness, not the event.
    await withEvents.follow('follower-b', film);
    await runUntilIdle(
      relay({
        invalidate: () => Promise.reject(new Error('redis down')),
      }),
    );
    expect((await drain(follows)).map((m) => m.attributes.eventType)).toEqual(['MovieFollowed']);
  });

  it('tells the live bus in write order, though the events of one pass fan out concurrently and the older one ends last', async () => {
    const redis = await ready(servers().redis);
    const [older, newer] = ['7101', '7102'];
    await notifications.follow('live-fan', older);
    await notifications.follow('live-fan', newer);
    await ratings.rate('live-author-a', older, 12, undefined);
    await ratings.rate('live-author-b', newer, 16, undefined);
    /** The older film's feed write is slow: its fan-out ends well after the newer one's. */
    class SlowOlder extends NotificationsStore {
      override async deliver(n: NotificationItem): Promise<boolean> {
        if (n.movieId === older) await new Promise((r) => setTimeout(r, 300));
        return super.deliver(n);
      }
    }
    const start = `${Date.now()}-0`;
    const r = relay({ store: new SlowOlder({ doc, table: tables.NOTIFICATIONS_TABLE }), live: new LiveBusPublisher(redis, 60_000) });
    const { processed } = await r.runOnce();
    expect(processed).toBeGreaterThanOrEqual(2); // both in one pass

    const entries = (await redis.xrange(LIVE_STREAM_KEY, start, '+')) as [string, string[]][];
    const ours = entries
      .map(([, fields]) => ({ topic: fields[1], event: JSON.parse(fields[3]) as { movieId: string } }))
      .filter((m) => m.event.movieId === older || m.event.movieId === newer);
    // Notification before the film's activity, the older write's before the newer one's.
    expect(ours.map((m) => [m.topic, m.event.movieId])).toEqual([
      [liveTopic.user('live-fan'), older],
      [liveTopic.movie(older), older],
      [liveTopic.user('live-fan'), newer],
      [liveTopic.movie(newer), newer],
    ]);
  });
});
