import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { CreateTopicCommand } from '@aws-sdk/client-sns';
import { createSns } from '../platform/aws';
import { mapLimit } from '../platform/map-limit';
import { createLocalTables } from './tables';
import { startDynamoDbLocal } from './dynamodb-local';
import { startFauxqs } from './fauxqs';
import { findFreePort, spawnManaged, waitFor } from './processes';
import { startRedis } from './redis';
import { startTmdbServer, type TmdbServer } from './tmdb/server';
import { startOmdbServer, type OmdbServer } from './omdb/server';
import { startSnapshotInterval } from './snapshot-interval';
import { createFeedResources } from './feed-resources';
import { startFeedBridge, type FeedBridge } from './feed-bridge';
import { generateGatewayKeys, publicKeyOf } from '../platform/identity';
import { DEFAULT_METRICS_PORTS, DEFAULT_PORTS, LOCAL_JWT_SECRET, LOCAL_OMDB_KEY, LOCAL_TMDB_TOKEN, LOCAL_TOPIC_NAME } from './defaults';

const ROOT = path.resolve(__dirname, '..');

/** The variable the gateway reads each subgraph's URL from. */
const SUBGRAPH_URL_VARS: Partial<Record<ServiceName, string>> = {
  movies: 'MOVIES_URL',
  ratings: 'RATINGS_URL',
  notifications: 'NOTIFICATIONS_URL',
  availability: 'AVAILABILITY_URL',
};

export const SERVICES = [
  { name: 'movies', entry: 'subgraphs/movies/main.ts', portVar: 'MOVIES_PORT', metricsPortVar: 'MOVIES_METRICS_PORT' },
  { name: 'ratings', entry: 'subgraphs/ratings/main.ts', portVar: 'RATINGS_PORT', metricsPortVar: 'RATINGS_METRICS_PORT' },
  { name: 'notifications', entry: 'subgraphs/notifications/main.ts', portVar: 'NOTIFICATIONS_PORT', metricsPortVar: 'NOTIFICATIONS_METRICS_PORT' },
  { name: 'availability', entry: 'subgraphs/availability/main.ts', portVar: 'AVAILABILITY_PORT', metricsPortVar: 'AVAILABILITY_METRICS_PORT' },
  // Not a subgraph: takes feed uploads' S3 events off the queue (its port serves /health only).
  { name: 'feed-processor', entry: 'subgraphs/availability/processor/main.ts', portVar: 'FEED_PROCESSOR_PORT', metricsPortVar: 'FEED_PROCESSOR_METRICS_PORT' },
  { name: 'gateway', entry: 'gateway/main.ts', portVar: 'GATEWAY_PORT', metricsPortVar: 'METRICS_PORT' },
] as const;

export type ServiceName = (typeof SERVICES)[number]['name'];

export interface StackOptions {
  /** Environment the stack starts from (process.env for `npm start`). */
  env?: NodeJS.ProcessEnv;
  /** Use free random ports instead of the defaults (tests). */
  randomPorts?: boolean;
  /** Where the services' JSON logs go; inherited stdout when unset. */
  logDir?: string;
  /** Extra variables for every service. */
  serviceEnv?: Record<string, string>;
  /** Progress lines for the user. */
  onStep?: (msg: string) => void;
  /**
   * `npm start`: run a local redis-server when REDIS_URL is unset and one is installed (the live
   * bus of subscriptions needs it; without it they are off). Tests choose their Redis themselves.
   */
  localRedis?: boolean;
}

export interface Stack {
  gatewayUrl: string;
  urls: Record<ServiceName, string>;
  /** Each service's Prometheus endpoint (its own port, not the public one). */
  metricsUrls: Record<ServiceName, string>;
  env: Record<string, string>;
  standIns: string[];
  /** The in-process TMDB stand-in, when it runs (its request log is what tests count). */
  tmdb?: TmdbServer;
  /** The in-process OMDb stand-in, when it runs. */
  omdb?: OmdbServer;
  /** The local upload bridge (presigned PUTs → fauxqs's S3 + the S3 event on the feed queue), when it runs. */
  feedBridge?: FeedBridge;
  /** Runs the daily score snapshot once now, as the schedule does (a process that exits), and waits for it. */
  runSnapshot(): Promise<void>;
  /** The OS process id of a running service (benchmarks pin and measure it). */
  pid(name: ServiceName): number | undefined;
  stopService(name: ServiceName): Promise<void>;
  startService(name: ServiceName): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts what `npm start` and the end-to-end tests run: local stand-ins for whatever the
 * environment does not point at (TMDB, DynamoDB, SNS/SQS/S3 and the upload bridge), tables, topics
 * and the feed queues, then the four subgraphs, the feed processor and the gateway as separate processes configured only by environment
 * variables,
 * exactly as each runs in its own container in production.
 */
export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const step = opts.onStep ?? (() => {});
  const stops: (() => Promise<void>)[] = [];
  const standIns: string[] = [];
  const port = async (fallback: number) => (opts.randomPorts ? findFreePort() : fallback);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.env ?? process.env)) if (v !== undefined && v !== '') env[k] = v;

  let stopped = false;
  const stop = async () => {
    stopped = true;
    for (const s of stops.reverse()) await s().catch(() => {});
    stops.length = 0;
  };

  try {
    env.AWS_REGION ??= 'us-east-1';
    // The gateway signs callers' identities with its private key; the subgraphs get only the
    // public key (startService), as in production.
    if (!env.GATEWAY_SIGNING_KEY) {
      const keys = generateGatewayKeys();
      env.GATEWAY_SIGNING_KEY = keys.signingKey;
      env.GATEWAY_PUBLIC_KEY = keys.publicKey;
    }
    env.GATEWAY_PUBLIC_KEY ??= publicKeyOf(env.GATEWAY_SIGNING_KEY);
    env.CURSOR_SECRET ??= randomBytes(32).toString('hex');
    if (!env.JWT_JWKS_URL) env.JWT_SECRET ??= LOCAL_JWT_SECRET;

    let tmdb: TmdbServer | undefined;
    if (!env.TMDB_ACCESS_TOKEN && !env.TMDB_API_KEY) {
      step('starting the local TMDB catalog');
      tmdb = await startTmdbServer({ port: await port(DEFAULT_PORTS.tmdb), host: '127.0.0.1', accessToken: LOCAL_TMDB_TOKEN });
      const server = tmdb;
      stops.push(() => server.close());
      env.TMDB_BASE_URL = tmdb.url;
      env.TMDB_ACCESS_TOKEN = LOCAL_TMDB_TOKEN;
      standIns.push(`TMDB catalog   ${tmdb.url}`);
    }

    let omdb: OmdbServer | undefined;
    if (!env.OMDB_API_KEY) {
      step('starting the local OMDb stand-in');
      omdb = await startOmdbServer({ port: await port(DEFAULT_PORTS.omdb), host: '127.0.0.1', apiKey: LOCAL_OMDB_KEY });
      const server = omdb;
      stops.push(() => server.close());
      env.OMDB_BASE_URL = omdb.url;
      env.OMDB_API_KEY = LOCAL_OMDB_KEY;
      standIns.push(`OMDb           ${omdb.url}`);
    }

    if (opts.localRedis && !env.REDIS_URL) {
      try {
        step('starting redis-server (the live bus for subscriptions, and the shared cache)');
        const redis = await startRedis({ port: await port(DEFAULT_PORTS.redis) });
        stops.push(() => redis.stop());
        env.REDIS_URL = redis.url;
        standIns.push(`Redis          ${redis.url}`);
      } catch (err) {
        step(`no local Redis (${err instanceof Error ? err.message : String(err)}): subscriptions are off, caches in memory`);
      }
    }

    if (!env.DYNAMODB_ENDPOINT) {
      step('starting DynamoDB Local');
      const ddb = await startDynamoDbLocal({ port: await port(DEFAULT_PORTS.dynamodb) });
      stops.push(() => ddb.stop());
      env.DYNAMODB_ENDPOINT = ddb.endpoint;
      standIns.push(`DynamoDB Local ${ddb.endpoint}`);
      step('creating tables');
      await createLocalTables(ddb.endpoint, env);
    }

    if (!env.SNS_ENDPOINT && !env.SNS_TOPIC_ARN) {
      step('starting the SNS/SQS/S3 stand-in (fauxqs)');
      const sns = await startFauxqs({ port: await port(DEFAULT_PORTS.sns) });
      stops.push(() => sns.stop());
      env.SNS_ENDPOINT = sns.endpoint;
      env.SQS_ENDPOINT ??= sns.endpoint;
      env.S3_ENDPOINT ??= sns.endpoint;
      standIns.push(`SNS/SQS/S3     ${sns.endpoint}`);
    }
    if (env.SNS_ENDPOINT && !env.SNS_TOPIC_ARN) {
      const client = createSns({ region: env.AWS_REGION, endpoint: env.SNS_ENDPOINT });
      const topic = await client.send(new CreateTopicCommand({ Name: LOCAL_TOPIC_NAME }));
      client.destroy();
      env.SNS_TOPIC_ARN = topic.TopicArn!;
    }

    // Provider feeds: bucket, queue, dead-letter queue and alert topic, unless the environment names real ones.
    let feedBridge: FeedBridge | undefined;
    if (!env.FEED_QUEUE_URL && env.SQS_ENDPOINT && env.S3_ENDPOINT) {
      Object.assign(env, await createFeedResources(env, opts.randomPorts ? randomBytes(4).toString('hex') : ''));
      const bridge = await startFeedBridge({
        port: await port(DEFAULT_PORTS['feed-bridge']),
        region: env.AWS_REGION,
        s3Endpoint: env.S3_ENDPOINT,
        sqsEndpoint: env.SQS_ENDPOINT,
        queueUrl: env.FEED_QUEUE_URL,
      });
      feedBridge = bridge;
      stops.push(() => bridge.close());
      env.S3_PUBLIC_ENDPOINT = bridge.url;
      standIns.push(`S3 upload bridge ${bridge.url}`);
    }

    const ports = {} as Record<ServiceName, number>;
    const urls = {} as Record<ServiceName, string>;
    const metricsUrls = {} as Record<ServiceName, string>;
    /** Gives a service its ports: its URLs, and the variables it (and the gateway, for a subgraph) reads them from. */
    const place = (s: (typeof SERVICES)[number], servicePort: number, metricsPort: number) => {
      const oldUrl = urls[s.name];
      ports[s.name] = servicePort;
      urls[s.name] = `http://127.0.0.1:${servicePort}/graphql`;
      env[s.portVar] = String(servicePort);
      env[s.metricsPortVar] = String(metricsPort);
      metricsUrls[s.name] = `http://127.0.0.1:${metricsPort}/metrics`;
      // Where the gateway finds a subgraph (unless the caller pointed it elsewhere, e.g. at a proxy).
      const urlVar = SUBGRAPH_URL_VARS[s.name];
      if (urlVar && (oldUrl === undefined || env[urlVar] === oldUrl)) env[urlVar] = urls[s.name];
    };
    for (const s of SERVICES)
      place(s, await port(Number(env[s.portVar] ?? DEFAULT_PORTS[s.name])), await port(Number(env[s.metricsPortVar] ?? DEFAULT_METRICS_PORTS[s.name])));
    env.SUPERGRAPH_PATH ??= path.join(ROOT, 'schema', 'supergraph.graphql');
    Object.assign(env, opts.serviceEnv ?? {});
    if (opts.logDir) mkdirSync(opts.logDir, { recursive: true });

    const running = new Map<ServiceName, { stop(): Promise<void>; child: { pid?: number } }>();
    /** Spawns the service and waits for its health check; false when it lost its port to another process (EADDRINUSE). */
    const spawnOnce = async (name: ServiceName): Promise<boolean> => {
      const svc = SERVICES.find((s) => s.name === name)!;
      const { GATEWAY_SIGNING_KEY: _private, ...subgraphEnv } = env;
      const child = spawnManaged(process.execPath, ['--import', 'tsx', path.join(ROOT, svc.entry)], {
        env: name === 'gateway' ? env : subgraphEnv,
        name,
        logFile: opts.logDir ? path.join(opts.logDir, `${name}.log`) : undefined,
      });
      running.set(name, child);
      const health = `http://127.0.0.1:${ports[name]}/health`;
      try {
        await waitFor(
          () =>
            fetch(health).then(
              (r) => r.ok,
              () => false,
            ),
          {
            timeoutMs: 60_000,
            intervalMs: 100,
            what: `${name} on port ${ports[name]}`,
            failFast: child.exited,
          },
        );
        return true;
      } catch (err) {
        if (opts.randomPorts && !stopped && /EADDRINUSE/.test(child.exited() ?? '')) return false;
        throw err;
      }
    };
    const startService = async (name: ServiceName) => {
      // A start still queued when another failed and the stack stopped must not leave a process behind.
      if (stopped) throw new Error(`the stack was stopped; ${name} not started`);
      // A free port is found by listening on port 0 and closing; until the service listens, any
      // process (or an outgoing connection's ephemeral port) can take it. Under load that happens:
      // the service then starts again on new ports, before anything that calls it is started.
      for (let attempt = 1; !(await spawnOnce(name)); attempt++) {
        if (attempt >= 3) throw new Error(`${name}: its ports were taken three times (EADDRINUSE)`);
        place(
          SERVICES.find((s) => s.name === name)!,
          await findFreePort(),
          await findFreePort(),
        );
        step(`${name}: a port was taken before it listened; starting it again on ${ports[name]}`);
      }
    };
    const stopService = async (name: ServiceName) => {
      await running.get(name)?.stop();
      running.delete(name);
    };
    stops.push(async () => {
      for (const name of ['gateway', 'feed-processor', 'availability', 'notifications', 'ratings', 'movies'] as const) await stopService(name);
    });

    step('starting the subgraphs');
    // As many at once as there are cores: each compiles and loads its modules on start, and ten
    // at once on two cores (tests run two stacks) starve each other past the start-up timeout.
    await mapLimit(
      SERVICES.filter((s) => s.name !== 'gateway').map((s) => s.name),
      Math.max(2, availableParallelism()),
      startService,
    );
    step('starting the gateway');
    await startService('gateway');

    // The daily score snapshot, every SCORE_SNAPSHOT_INTERVAL_MINUTES (EventBridge Scheduler's part in AWS).
    const { GATEWAY_SIGNING_KEY: _signing, ...snapshotEnv } = env;
    const snapshots = startSnapshotInterval({
      root: ROOT,
      env: snapshotEnv,
      intervalMinutes: Number(env.SCORE_SNAPSHOT_INTERVAL_MINUTES ?? 60),
      logFile: opts.logDir ? path.join(opts.logDir, 'snapshot.log') : undefined,
    });
    stops.push(() => snapshots.stop());

    return {
      gatewayUrl: urls.gateway,
      urls,
      metricsUrls,
      env,
      standIns,
      tmdb,
      omdb,
      feedBridge,
      runSnapshot: () => snapshots.runOnce(),
      pid: (name) => running.get(name)?.child.pid,
      stopService,
      startService,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
