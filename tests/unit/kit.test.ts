import { createServer, type AddressInfo, type Socket } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDynamoDb, createSns } from '../../platform/aws';
import { MemoryCache } from '../../platform/cache';
import { generateGatewayKeys } from '../../platform/identity';
import { createLogger } from '../../platform/logger';
import { orListening, runChecks, tablesCheck } from '../../platform/kit/readiness';
import { Closers, createKit, type KitEnv } from '../../platform/kit/resources';

const log = createLogger('kit-test', 'silent');
const key = generateGatewayKeys().publicKey;
// Endpoints nothing listens on: the clients are made, never used.
const env: KitEnv = {
  NODE_ENV: 'test',
  LOG_LEVEL: 'silent',
  AWS_REGION: 'us-east-1',
  DYNAMODB_ENDPOINT: 'http://127.0.0.1:9',
  SNS_ENDPOINT: 'http://127.0.0.1:9',
};
const tmdbEnv = {
  TMDB_BASE_URL: 'http://127.0.0.1:9',
  TMDB_ACCESS_TOKEN: 'token',
  TMDB_TIMEOUT_MS: 100,
  TMDB_MAX_RETRIES: 0,
  TMDB_RATE_LIMIT: 40,
  TMDB_CALLER_SHARE: 1,
  TMDB_BUDGET_MAX_WAIT_MS: 100,
  TMDB_BUDGET_MAX_QUEUE: 10,
  TMDB_CIRCUIT_THRESHOLD: 5,
  TMDB_CIRCUIT_HALF_OPEN_MS: 100,
  TMDB_NOT_FOUND_TTL_SECONDS: 0,
  TMDB_STALE_WHILE_REVALIDATE_SECONDS: 0,
  TMDB_MAX_FETCHES_PER_REQUEST: 10,
};

describe('Closers', () => {
  it('closes in reverse order, each once, and goes on past a failure', async () => {
    const closed: string[] = [];
    const closers = new Closers();
    closers.add('a', () => closed.push('a'));
    closers.add('b', () => {
      throw new Error('b will not close');
    });
    closers.add('c', async () => {
      closed.push('c');
    });
    await closers.closeAll(log);
    await closers.closeAll(log);
    expect(closed).toEqual(['c', 'a']);
  });
});

describe('createKit', () => {
  it('makes each client once, on first use, and says whether it runs in production', () => {
    const { kit } = createKit('ratings', env, key);
    expect(kit.dynamodb()).toBe(kit.dynamodb());
    expect(kit.sns()).toBe(kit.sns());
    expect(kit.cache()).toBe(kit.cache());
    expect(kit.cache()).toBeInstanceOf(MemoryCache);
    expect(kit.tmdb(tmdbEnv)).toBe(kit.tmdb(tmdbEnv));
    expect(kit.production).toBe(false);
    expect(createKit('ratings', { ...env, NODE_ENV: 'production' }, key).kit.production).toBe(true);
    expect(kit.gatewayPublicKey).toBe(key);
  });

  it('closes what it made, and nothing it was given', async () => {
    const given = {
      doc: createDynamoDb({ region: 'us-east-1', endpoint: env.DYNAMODB_ENDPOINT }),
      sns: createSns({ region: 'us-east-1', endpoint: env.SNS_ENDPOINT }),
    };
    const givenDoc = jest.spyOn(given.doc, 'destroy');
    const givenSns = jest.spyOn(given.sns, 'destroy');
    const withGiven = createKit('notifications', env, key, given);
    expect(withGiven.kit.dynamodb()).toBe(given.doc);
    expect(withGiven.kit.sns()).toBe(given.sns);
    await withGiven.close();
    expect(givenDoc).not.toHaveBeenCalled();
    expect(givenSns).not.toHaveBeenCalled();

    const own = createKit('notifications', env, key);
    const doc = jest.spyOn(own.kit.dynamodb(), 'destroy');
    const sns = jest.spyOn(own.kit.sns(), 'destroy');
    const cache = jest.spyOn(own.kit.cache(), 'close');
    await own.close();
    expect(doc).toHaveBeenCalledTimes(1);
    expect(sns).toHaveBeenCalledTimes(1);
    expect(cache).toHaveBeenCalledTimes(1);
    given.doc.destroy();
    given.sns.destroy();
  });

  it('makes nothing it is not asked for, so closing an unused kit closes nothing', async () => {
    const { close } = createKit('movies', env, key);
    await expect(close()).resolves.toBeUndefined();
  });
});

describe('readiness', () => {
  it('is ready only when every check passes; a check that throws fails alone', async () => {
    expect(await runChecks({ a: async () => true, b: async () => true })).toEqual({ ready: true, checks: { a: true, b: true } });
    const failing = await runChecks({
      a: async () => true,
      b: async () => {
        throw new Error('unreachable');
      },
      c: async () => false,
    });
    expect(failing).toEqual({ ready: false, checks: { a: true, b: false, c: false } });
  });

  it('a check that never answers fails within the timeout, and the others still report', async () => {
    const hung = await runChecks({ a: async () => true, stuck: () => new Promise<boolean>(() => undefined) }, 50);
    expect(hung).toEqual({ ready: false, checks: { a: true, stuck: false } });
    // Without the timeout the await above never settles, and Jest fails the test on its own timeout.
  });

  it('a check that runs out of time has its signal aborted, so its request is cancelled', async () => {
    let seen: AbortSignal | undefined;
    await runChecks({ stuck: (signal) => ((seen = signal), new Promise<boolean>(() => undefined)) }, 20);
    expect(seen?.aborted).toBe(true);
    let quick: AbortSignal | undefined;
    await runChecks({ fine: async (signal) => ((quick = signal), true) }, 20);
    expect(quick?.aborted).toBe(false);
  });

  it('the tables check cancels a DescribeTable that hangs', async () => {
    // A server that accepts the connection and never answers: the DynamoDB that /ready must not wait on.
    const sockets: Socket[] = [];
    const server = createServer((s) => void sockets.push(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const client = new DynamoDBClient({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      maxAttempts: 1,
    });
    const doc = DynamoDBDocumentClient.from(client);
    try {
      const controller = new AbortController();
      const pending = tablesCheck(doc, ['t'])(controller.signal);
      await new Promise((r) => setTimeout(r, 100));
      controller.abort();
      await expect(pending).resolves.toBe(false);
    } finally {
      client.destroy();
      sockets.forEach((s) => s.destroy());
      await new Promise((r) => server.close(r));
    }
  });

  it('a subgraph without checks is ready once it listens', async () => {
    expect(await runChecks(orListening({}))).toEqual({ ready: true, checks: { listening: true } });
    expect(Object.keys(orListening({ dynamodb: async () => false }))).toEqual(['dynamodb']);
  });
});
