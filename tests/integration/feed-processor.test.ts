import { PutObjectCommand } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { SubscribeCommand } from '@aws-sdk/client-sns';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { createDynamoDb, createS3, createSns, createSqs } from '../../platform/aws';
import { createFeedResources } from '../../local/feed-resources';
import { loadCatalog } from '../../local/tmdb/catalog';
import { startTmdbServer, type TmdbServer } from '../../local/tmdb/server';
import { OffersStore } from '../../subgraphs/availability/offers';
import { loadFeedProcessorConfig, type FeedProcessorConfig } from '../../subgraphs/availability/processor/config';
import { startFeedProcessor, type RunningProcessor } from '../../subgraphs/availability/processor/main';
import type { CrashPoint } from '../../subgraphs/availability/processor/process-file';
import { objectCreatedEvent } from '../../subgraphs/availability/processor/s3-event';
import { ProcessorCrash } from '../../subgraphs/availability/processor/worker';
import { UploadsStore } from '../../subgraphs/availability/uploads';
import { freshTables, servers } from '../support/env';

/**
 * The feed processor in this process against fauxqs (S3, SQS, SNS), DynamoDB Local and the TMDB
 * stand-in, stopped mid-file by a crash hook as if killed: readers see the old offers or the
 * new ones, never a mix, and the next processor finishes the job from the same message.
 */
const s = servers();
const doc = createDynamoDb({ region: 'us-east-1', endpoint: s.dynamodb });
const s3 = createS3({ region: 'us-east-1', endpoint: s.s3 });
const sqs = createSqs({ region: 'us-east-1', endpoint: s.sqs });
const sns = createSns({ region: 'us-east-1', endpoint: s.sns });
let tmdb: TmdbServer;
let cfg: FeedProcessorConfig;
let offers: OffersStore;
let uploads: UploadsStore;
let alerts: string;
const running: RunningProcessor[] = [];
const films = loadCatalog().movies.map((m) => String(m.id));

async function start(crash?: (point: CrashPoint) => void) {
  const p = await startFeedProcessor(cfg, crash);
  running.push(p);
  return p;
}

/** An upload as requestFeedUpload makes it, its file in the bucket, and S3's event on the queue (returned, to send again). */
async function putFeed(partnerId: string, feed: unknown): Promise<{ id: string; event: string }> {
  const u = await uploads.create(partnerId);
  const body = JSON.stringify(feed);
  const put = await s3.send(new PutObjectCommand({ Bucket: cfg.FEED_BUCKET, Key: u.objectKey, Body: body }));
  const event = objectCreatedEvent({ bucket: cfg.FEED_BUCKET, key: u.objectKey, etag: put.ETag!, size: body.length, region: 'us-east-1' });
  await sqs.send(new SendMessageCommand({ QueueUrl: cfg.FEED_QUEUE_URL, MessageBody: event }));
  return { id: u.id, event };
}

const uploadFeed = async (partnerId: string, feed: unknown) => (await putFeed(partnerId, feed)).id;

/** Until the processor has taken and deleted every message on the feed queue. */
async function queueDrained(): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const a = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: cfg.FEED_QUEUE_URL, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
    );
    if (Number(a.Attributes?.ApproximateNumberOfMessages) + Number(a.Attributes?.ApproximateNumberOfMessagesNotVisible) === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the feed queue did not drain');
}

/** Every offers item of a film, in force or not. */
const offerItems = async (movieId: string) =>
  (
    await doc.send(
      new QueryCommand({ TableName: cfg.AVAILABILITY_TABLE, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `MOVIE#${movieId}` } }),
    )
  ).Items ?? [];

const feedFor = (movieIds: string[], price: number) => ({
  version: 1,
  provider: { name: 'StreamCo' },
  offers: movieIds.map((movieId) => ({ movieId, region: 'US', type: 'RENT', price: { amount: price, currency: 'USD' } })),
});

async function status(partnerId: string, id: string, until: (s: string) => boolean) {
  for (let i = 0; i < 200; i++) {
    const u = await uploads.get(partnerId, id, true);
    if (u && until(u.status)) return u;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`upload ${id} stayed ${(await uploads.get(partnerId, id, true))?.status}`);
}

/** The prices readers see for these films (one per film, or none). */
async function visiblePrices(movieIds: string[]): Promise<(number | null)[]> {
  return Promise.all(movieIds.map(async (m) => (await offers.forMovie(m))[0]?.offers[0]?.price ?? null));
}

beforeAll(async () => {
  tmdb = await startTmdbServer({ port: 0, accessToken: 'tok' });
  const tables = await freshTables();
  const feeds = await createFeedResources(
    { AWS_REGION: 'us-east-1', S3_ENDPOINT: s.s3, SQS_ENDPOINT: s.sqs, SNS_ENDPOINT: s.sns },
    Math.random().toString(36).slice(2, 8),
    1,
  );
  cfg = loadFeedProcessorConfig({
    ...tables,
    ...feeds,
    LOG_LEVEL: 'silent',
    DYNAMODB_ENDPOINT: s.dynamodb,
    S3_ENDPOINT: s.s3,
    SQS_ENDPOINT: s.sqs,
    SNS_ENDPOINT: s.sns,
    REDIS_URL: s.redis,
    TMDB_BASE_URL: tmdb.url,
    TMDB_ACCESS_TOKEN: 'tok',
    FEED_POLL_WAIT_SECONDS: '0',
    FEED_RETRY_DELAY_MS: '1',
    FEED_PROCESSOR_PORT: '0',
    FEED_PROCESSOR_METRICS_PORT: '0',
  });
  offers = new OffersStore({ doc, table: cfg.AVAILABILITY_TABLE });
  uploads = new UploadsStore({ doc, table: cfg.AVAILABILITY_TABLE });
  alerts = (await sqs.send(new CreateQueueCommand({ QueueName: `feed-alerts-${Date.now()}` }))).QueueUrl!;
  const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: alerts, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  await sns.send(
    new SubscribeCommand({
      TopicArn: cfg.PROVIDER_ALERT_TOPIC_ARN,
      Protocol: 'sqs',
      Endpoint: arn,
      Attributes: { RawMessageDelivery: 'true', FilterPolicy: JSON.stringify({ providerId: ['poisoned'] }) },
    }),
  );
}, 60_000);

afterEach(async () => {
  for (const p of running.splice(0)) await p.stop();
});

afterAll(async () => {
  await tmdb?.close();
  for (const c of [doc, s3, sqs, sns]) c.destroy();
});

describe('feed processor', () => {
  it('killed mid-file: the old offers stay visible, then the next processor applies the new ones from the same message', async () => {
    const fifty = films.slice(0, 50);
    const old = await uploadFeed('crashco', feedFor(fifty, 1));
    const first = await start();
    await status('crashco', old, (st) => st === 'APPLIED');
    await first.stop();
    running.length = 0;

    // 50 films = two BatchWriteItem chunks of 25: die after the first.
    let chunks = 0;
    const dying = await start((point) => {
      if (point === 'afterOfferChunk' && ++chunks === 1) throw new ProcessorCrash('killed');
    });
    const fresh = await uploadFeed('crashco', feedFor(fifty, 2));
    await expect(dying.worker.done).rejects.toBeInstanceOf(ProcessorCrash);
    expect((await uploads.get('crashco', fresh, true))?.status).toBe('PROCESSING');
    // Half the new version is written, none of it visible: every film still shows the old price.
    expect(await visiblePrices(fifty)).toEqual(fifty.map(() => 1));

    await start();
    expect((await status('crashco', fresh, (st) => st === 'APPLIED')).offerCount).toBe(50);
    expect(await visiblePrices(fifty)).toEqual(fifty.map(() => 2));
    // The replaced version is gone: one item per film remains.
    expect(await offerItems(fifty[0])).toHaveLength(1);
  }, 60_000);

  it('killed after the swap: the message again changes nothing but deletes the replaced version', async () => {
    const two = films.slice(60, 62);
    const a = await uploadFeed('swapco', feedFor(two, 5));
    const p = await start();
    await status('swapco', a, (st) => st === 'APPLIED');
    await p.stop();
    running.length = 0;
    const dying = await start((point) => {
      if (point === 'afterSwap') throw new ProcessorCrash('killed after swap');
    });
    const b = await uploadFeed('swapco', feedFor(two, 6));
    await expect(dying.worker.done).rejects.toBeInstanceOf(ProcessorCrash);
    expect(await visiblePrices(two)).toEqual([6, 6]);
    expect(await offerItems(two[0])).toHaveLength(2);
    await start();
    for (let i = 0; i < 100 && (await offerItems(two[0])).length > 1; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await offerItems(two[0])).toHaveLength(1);
    expect((await uploads.get('swapco', b, true))?.status).toBe('APPLIED');
  }, 60_000);

  it('the same S3 event delivered again changes nothing: no new version, no new status, the same offers', async () => {
    const two = films.slice(70, 72);
    await start();
    const { id, event } = await putFeed('dupco', feedFor(two, 7));
    const applied = await status('dupco', id, (st) => st === 'APPLIED');
    await queueDrained();
    const pointer = await offers.pointer('dupco');
    const items = await offerItems(two[0]);

    await sqs.send(new SendMessageCommand({ QueueUrl: cfg.FEED_QUEUE_URL, MessageBody: event }));
    await queueDrained();
    expect(await uploads.get('dupco', id, true)).toEqual(applied);
    expect(await offers.pointer('dupco')).toEqual(pointer);
    expect(await offerItems(two[0])).toEqual(items);
    expect(await visiblePrices(two)).toEqual([7, 7]);
  }, 60_000);

  it("an event for a key under another provider's prefix is no issued upload: ignored, nothing of either provider changes", async () => {
    const one = films.slice(80, 81);
    await start();
    const own = await uploadFeed('ownerco', feedFor(one, 3));
    const applied = await status('ownerco', own, (st) => st === 'APPLIED');
    await queueDrained();
    // Someone writes a file at another provider's prefix, reusing ownerco's upload id.
    const key = `providers/otherco/${own}.json`;
    const body = JSON.stringify(feedFor(one, 0));
    const put = await s3.send(new PutObjectCommand({ Bucket: cfg.FEED_BUCKET, Key: key, Body: body }));
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: cfg.FEED_QUEUE_URL,
        MessageBody: objectCreatedEvent({ bucket: cfg.FEED_BUCKET, key, etag: put.ETag!, size: body.length, region: 'us-east-1' }),
      }),
    );
    await queueDrained();
    expect(await uploads.get('otherco', own, true)).toBeNull();
    expect(await offers.pointer('otherco')).toBeNull();
    expect(await uploads.get('ownerco', own, true)).toEqual(applied);
    expect(await visiblePrices(one)).toEqual([3]);
  }, 60_000);

  it('an upload whose file cannot be read keeps failing: dead-lettered, REJECTED, and its provider alerted', async () => {
    await start();
    const u = await uploads.create('poisoned');
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: cfg.FEED_QUEUE_URL,
        MessageBody: objectCreatedEvent({ bucket: cfg.FEED_BUCKET, key: u.objectKey, etag: '"0123"', size: 10, region: 'us-east-1' }),
      }),
    );
    const done = await status('poisoned', u.id, (st) => st === 'REJECTED');
    expect(done.errors?.[0].message).toMatch(/could not be processed after several attempts/);
    let dlq = 0;
    for (let i = 0; i < 100 && dlq === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const a = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: cfg.FEED_QUEUE_URL.replace(/marquee-feeds-/, 'marquee-feeds-dlq-'),
          AttributeNames: ['ApproximateNumberOfMessages'],
        }),
      );
      dlq = Number(a.Attributes?.ApproximateNumberOfMessages);
    }
    expect(dlq).toBe(1);
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: alerts, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    expect((got.Messages ?? []).map((m) => JSON.parse(m.Body!))).toEqual([
      expect.objectContaining({ kind: 'FEED_FAILED', providerId: 'poisoned', uploadId: u.id }),
    ]);
  }, 60_000);
});
