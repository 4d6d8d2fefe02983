import path from 'node:path';
import { readFileSync } from 'node:fs';
import { GetQueueAttributesCommand, ReceiveMessageCommand, CreateQueueCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { SubscribeCommand } from '@aws-sdk/client-sns';
import { createSns, createSqs } from '../../platform/aws';
import { hashApiKey } from '../../gateway/pipeline/partner-key';
import { startStack, type Stack } from '../../local/stack';
import { makeToken } from '../../scripts/token';
import { codes, postGraphQL } from '../support/graphql';
import { freshTables, servers, stackEnv } from '../support/env';

/**
 * Provider feeds end to end, as a new provider tries them: a provider key asks for an upload
 * URL, PUTs the file with curl's request shape, and a few seconds later the offers are in
 * `watchOptions` through the gateway. Every part is a real process of the stack (gateway,
 * availability subgraph, feed processor) with fauxqs's S3/SQS/SNS and the local upload bridge.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const KEYS = {
  streamco: 'mq_streamco_0123456789abcdef0123456789',
  rival: 'mq_rival_0123456789abcdef0123456789ab',
  reader: 'mq_reader_0123456789abcdef0123456789a',
};
let stack: Stack;
let alerts: string;
const sqs = createSqs({ region: 'us-east-1', endpoint: servers().sqs });
const sns = createSns({ region: 'us-east-1', endpoint: servers().sns });

const gql = (query: string, variables: Record<string, unknown> = {}, key?: string) =>
  postGraphQL(stack.gatewayUrl, query, variables, key ? { 'x-api-key': key } : {});

const REQUEST = 'mutation { requestFeedUpload { uploadId url expiresAt } }';
const STATUS = 'query ($id: ID!) { feedUpload(id: $id) { id status offerCount unchanged errors { line path message } } }';
const OPTIONS = `query ($id: ID!, $region: String!) { movie(id: $id) { id watchOptions(region: $region) {
  provider { id name logo } type price { amount currency } quality link source attribution updatedAt } } }`;

async function upload(body: string | Uint8Array, key = KEYS.streamco): Promise<string> {
  const ticket = await gql(REQUEST, {}, key);
  expect(ticket.body.errors).toBeUndefined();
  const { uploadId, url } = ticket.body.data.requestFeedUpload;
  // What `curl -X PUT --data-binary @file "$url"` sends.
  const put = await fetch(url, {
    method: 'PUT',
    body: typeof body === 'string' ? body : new Blob([new Uint8Array(body)]),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  expect(put.status).toBe(200);
  return uploadId;
}

async function settled(uploadId: string, key = KEYS.streamco) {
  for (let i = 0; i < 150; i++) {
    const res = await gql(STATUS, { id: uploadId }, key);
    const u = res.body.data?.feedUpload;
    if (u && (u.status === 'APPLIED' || u.status === 'REJECTED')) return u;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`upload ${uploadId} did not settle`);
}

async function feedOptions(id: string, region = 'US') {
  const res = await gql(OPTIONS, { id, region });
  expect(res.body.errors).toBeUndefined();
  return (res.body.data.movie.watchOptions as { source: string }[]).filter((o) => o.source === 'PROVIDER_FEED');
}

beforeAll(async () => {
  const partners = [
    { id: 'streamco', tier: 'standard', sha256: hashApiKey(KEYS.streamco), roles: ['provider'] },
    { id: 'rival', tier: 'standard', sha256: hashApiKey(KEYS.rival), roles: ['provider'] },
    { id: 'reader', tier: 'standard', sha256: hashApiKey(KEYS.reader) },
  ];
  stack = await startStack({
    randomPorts: true,
    env: stackEnv({
      ...(await freshTables()),
      REDIS_URL: servers().redis,
      PARTNER_KEYS: JSON.stringify(partners),
      FEED_POLL_WAIT_SECONDS: '1',
      FEED_RETRY_DELAY_MS: '1',
      FEED_MAX_BYTES: '200000',
    }),
    logDir: path.join(ROOT, 'test-artifacts', 'availability-logs'),
  });
  // The provider alert topic, as an operator's queue subscription sees it.
  alerts = (await sqs.send(new CreateQueueCommand({ QueueName: `alerts-${Date.now()}` }))).QueueUrl!;
  const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: alerts, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  await sns.send(
    new SubscribeCommand({ TopicArn: stack.env.PROVIDER_ALERT_TOPIC_ARN, Protocol: 'sqs', Endpoint: arn, Attributes: { RawMessageDelivery: 'true' } }),
  );
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  sqs.destroy();
  sns.destroy();
});

async function alertsReceived(): Promise<{ kind: string; providerId: string; uploadId: string | null }[]> {
  const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: alerts, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
  return (out.Messages ?? []).map((m) => JSON.parse(m.Body!));
}

describe('provider feeds through the gateway', () => {
  it("shows TMDB's watch providers with JustWatch's attribution, and the region's provider list", async () => {
    const res = await gql(OPTIONS, { id: '550', region: 'US' });
    const options = res.body.data.movie.watchOptions;
    expect(options.find((o: { provider: { name: string } }) => o.provider.name === 'Max')).toMatchObject({
      type: 'STREAM',
      source: 'TMDB',
      attribution: 'JustWatch',
      price: null,
    });
    expect(options.filter((o: { type: string }) => o.type === 'RENT').length).toBe(3);
    const list = await gql('{ watchProviders(region: "DE") { id name } }');
    expect(list.body.data.watchProviders.map((p: { name: string }) => p.name)).toContain('Netflix');
    expect(list.body.data.watchProviders.map((p: { name: string }) => p.name)).not.toContain('Max');
    expect(codes(await gql('{ watchProviders(region: "ZZ") { id } }'))).toEqual(['BAD_USER_INPUT']);
  });

  it('filters discovery by watch provider and region', async () => {
    const res = await gql('{ discoverMovies(filter: { watchProviders: ["337"], watchRegion: "US" }) { results { id } } }');
    expect(res.body.data.discoverMovies.results.map((m: { id: string }) => m.id).sort()).toEqual(['11', '862']);
    expect(codes(await gql('{ discoverMovies(filter: { watchProviders: ["337"] }) { results { id } } }'))).toEqual(['BAD_USER_INPUT']);
  });

  it('refuses upload URLs to callers without the provider role', async () => {
    expect(codes(await gql(REQUEST, {}, KEYS.reader))).toEqual(['FORBIDDEN']);
    const user = await makeToken('some-user', stack.env.JWT_SECRET);
    const asUser = await postGraphQL(stack.gatewayUrl, REQUEST, {}, { authorization: `Bearer ${user}` });
    expect(codes(asUser)).toEqual(['FORBIDDEN']);
    expect(codes(await gql(REQUEST))).toEqual(['UNAUTHENTICATED']);
  });

  it('applies the example feed: its offers appear in watchOptions with source PROVIDER_FEED', async () => {
    const id = await upload(readFileSync(path.join(ROOT, 'examples', 'provider-feed.json')));
    expect((await settled(id)).status).toBe('APPLIED');
    const us = await feedOptions('550', 'US');
    expect(us).toEqual([
      expect.objectContaining({
        provider: { id: 'feed:streamco', name: 'StreamCo', logo: 'https://streamco.example/logo-92.png' },
        type: 'RENT',
        price: { amount: 3.99, currency: 'USD' },
        quality: 'HD',
        attribution: null,
      }),
      expect.objectContaining({ type: 'BUY', price: { amount: 12.99, currency: 'USD' }, quality: 'UHD' }),
    ]);
    expect((await feedOptions('550', 'DE'))[0]).toMatchObject({ price: { amount: 3.99, currency: 'EUR' } });
    const providers = await gql('{ watchProviders(region: "GB") { id name } }');
    expect(providers.body.data.watchProviders).toContainEqual({ id: 'feed:streamco', name: 'StreamCo' });
  });

  it('the same file again changes nothing, and a new feed replaces the old one as a whole', async () => {
    const example = readFileSync(path.join(ROOT, 'examples', 'provider-feed.json'), 'utf8');
    const again = await settled(await upload(example));
    expect(again).toMatchObject({ status: 'APPLIED', unchanged: true });
    const smaller = { ...JSON.parse(example), offers: [{ movieId: '27205', region: 'US', type: 'BUY', price: { amount: 9.99, currency: 'USD' } }] };
    expect((await settled(await upload(JSON.stringify(smaller)))).status).toBe('APPLIED');
    expect(await feedOptions('550')).toEqual([]);
    expect(await feedOptions('27205')).toEqual([expect.objectContaining({ type: 'BUY', price: { amount: 9.99, currency: 'USD' } })]);
  });

  it('rejects a broken file with line-level errors and alerts the provider; the offers in force stay', async () => {
    const valid = {
      version: 1,
      provider: { name: 'StreamCo' },
      offers: [{ movieId: '27205', region: 'US', type: 'BUY', price: { amount: 9.99, currency: 'USD' } }],
    };
    expect((await settled(await upload(JSON.stringify(valid)))).status).toBe('APPLIED');
    const broken = JSON.stringify(
      { version: 1, provider: { name: 'StreamCo' }, offers: [{ movieId: '27205', region: 'XX', type: 'RENT', price: { amount: -1, currency: 'USD' } }] },
      null,
      2,
    );
    const u = await settled(await upload(broken));
    expect(u.status).toBe('REJECTED');
    expect(u.errors).toEqual([
      { line: 9, path: 'offers[0].region', message: expect.stringMatching(/ISO 3166-1/) },
      { line: 12, path: 'offers[0].price.amount', message: 'must not be negative' },
    ]);
    const malformed = await settled(await upload('{"version": 1,\n "offers": [\n'));
    expect(malformed).toMatchObject({ status: 'REJECTED', errors: [{ line: 3, path: null, message: expect.stringMatching(/not valid JSON/) }] });
    const huge = await settled(await upload(Buffer.alloc(300_000, ' ')));
    expect(huge.errors[0].message).toMatch(/300000 bytes; a feed may be at most 200000/);
    const unknownFilm = await settled(
      await upload(JSON.stringify({ version: 1, provider: { name: 'StreamCo' }, offers: [{ movieId: '999999999', region: 'US', type: 'STREAM' }] })),
    );
    expect(unknownFilm.errors).toEqual([{ line: 1, path: 'offers[0].movieId', message: 'no film with TMDB id 999999999' }]);
    expect(await feedOptions('27205')).toHaveLength(1);
    const received = await alertsReceived();
    expect(received.filter((a) => a.kind === 'FEED_REJECTED' && a.providerId === 'streamco').length).toBeGreaterThanOrEqual(1);
  });

  it("keeps providers apart: no one reads another's uploads or writes under another's key", async () => {
    const id = await upload(readFileSync(path.join(ROOT, 'examples', 'provider-feed.json')));
    expect((await gql(STATUS, { id }, KEYS.rival)).body.data.feedUpload).toBeNull();
    const ticket = (await gql(REQUEST, {}, KEYS.rival)).body.data.requestFeedUpload;
    const forged = ticket.url.replace('/providers/rival/', '/providers/streamco/');
    expect((await fetch(forged, { method: 'PUT', body: '{}' })).status).toBe(403);
    const read = await fetch(ticket.url.replace(/\?.*$/, ''));
    expect(read.status).toBe(403);
    const list = await gql('{ feedUploads(first: 50) { edges { node { id } } } }', {}, KEYS.rival);
    expect(list.body.data.feedUploads.edges.map((e: { node: { id: string } }) => e.node.id)).not.toContain(id);
  });

  it('dead-letters a poison message after its deliveries and alerts', async () => {
    await sqs.send(new SendMessageCommand({ QueueUrl: stack.env.FEED_QUEUE_URL, MessageBody: 'not an S3 event' }));
    let depth = 0;
    for (let i = 0; i < 100 && depth === 0; i++) {
      await new Promise((r) => setTimeout(r, 200));
      const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: stack.env.FEED_DLQ_URL, AttributeNames: ['ApproximateNumberOfMessages'] }));
      depth = Number(attrs.Attributes?.ApproximateNumberOfMessages ?? 0);
    }
    expect(depth).toBe(1);
    const received = await alertsReceived();
    expect(received).toContainEqual(expect.objectContaining({ kind: 'FEED_FAILED', providerId: 'unknown' }));
  }, 60_000);
});
