/**
 * The real local stack for the sections that need it (upstream, gateway-bound, scaling): the
 * four subgraphs and the feed processor, local TMDB, DynamoDB Local, the SNS/SQS stand-in, over the run's Redis; the
 * tokens of the workloads' users; what the raw contender replays; the OMDb-calls figure (measured
 * through the stack's own gateway before it stops); and the probe that counts TMDB and DynamoDB
 * calls around a window.
 */
import { tmpdir } from 'node:os';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import Redis from 'ioredis';
import { startStack, type Stack } from '../local/stack';
import { makeToken } from '../scripts/token';
import { catalogueIds } from '../workloads/operations';
import type { UpstreamProbe } from './harness';
import { counterTotal, round } from './measure';
import { measureOmdbCalls, type OmdbCallsResult } from './omdb-calls';
import { CONNECTIONS, SMOKE, WARM_SECONDS, log } from './settings';
import { workloads, WRITE_USERS, type Workload } from './workloads';

export interface StackRun {
  stack: Stack;
  ids: string[];
  workloads: Workload[];
  token(user: string): string;
  /** The responses the raw contender replays (empty when smoke). */
  rawBodiesFile: string;
  upstream: UpstreamProbe;
  /** Empties Redis (before a cold run). */
  flush(): Promise<void>;
  /** DynamoDB calls per second of the notifications relay alone (subtracted from every window). */
  idleDynamoPerSecond: number;
  /** Issue #21's OMDb calls per distinct film within one cache TTL. */
  omdbCalls: OmdbCallsResult;
  stop(): Promise<void>;
}

export async function startStackRun(redisUrl: string): Promise<StackRun> {
  log('starting the stack (subgraphs, local TMDB, DynamoDB Local, SNS/SQS stand-in)');
  const stack = await startStack({
    randomPorts: true,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      JAVA_HOME: process.env.JAVA_HOME,
      REDIS_URL: redisUrl,
      LOG_LEVEL: 'warn',
      // The local TMDB has no rate limit; the shared TMDB budget (40/s, for the real TMDB) would
      // make cold runs measure the budget instead of the gateways, and so would one caller's
      // share of it (every load-generator connection is the same anonymous 127.0.0.1).
      TMDB_RATE_LIMIT: '1000',
      TMDB_CALLER_SHARE: '1',
    },
    logDir: path.join(tmpdir(), 'marquee-bench-stack'),
    onStep: (s) => log(s),
  });
  try {
    return await prepare(stack, redisUrl);
  } catch (err) {
    await stack.stop();
    throw err;
  }
}

async function prepare(stack: Stack, redisUrl: string): Promise<StackRun> {
  const tmdb = stack.tmdb;
  if (!tmdb) throw new Error('the benchmark needs the local TMDB stand-in: unset TMDB_ACCESS_TOKEN and TMDB_API_KEY');
  const ids = catalogueIds();
  const wl = workloads(ids, CONNECTIONS);
  const users = [
    ...Array.from({ length: CONNECTIONS }, (_, c) => `bench-viewer-${c}`),
    ...Array.from({ length: WRITE_USERS }, (_, i) => `bench-writer-${i}`),
    'bench-primer',
  ];
  const tokens = new Map(await Promise.all(users.map(async (u) => [u, await makeToken(u, stack.env.JWT_SECRET)] as const)));
  const token = (u: string) => {
    const t = tokens.get(u);
    if (!t) throw new Error(`no token for ${u}`);
    return t;
  };
  const metricsUrls = (['ratings', 'notifications'] as const).map((s) => stack.metricsUrls[s]);
  const dynamoCalls = () => counterTotal(metricsUrls, 'marquee_dynamodb_requests_total');

  // What the raw contender replays: Marquee's own answers, recorded through the stack's gateway.
  const rawBodiesFile = path.join(tmpdir(), `marquee-bench-raw-${process.pid}.json`);
  if (!SMOKE) {
    log('recording the raw contender’s responses');
    const ask = (body: string, user: string | null) =>
      fetch(stack.gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(user ? { authorization: `Bearer ${token(user)}` } : {}) },
        body,
      }).then((r) => r.text());
    const W2: Record<string, string> = {};
    for (const p of wl[1].prime()) W2[(JSON.parse(p.body) as { variables: { id: string } }).variables.id] = await ask(p.body, 'bench-viewer-0');
    writeFileSync(rawBodiesFile, JSON.stringify({ W1: await ask(wl[0].body(0, 0), null), W2, W3: await ask(wl[2].body(0, 0), 'bench-primer') }));
  }
  const omdbCalls = await measureOmdbCalls(stack, { redisUrl, ids, connections: CONNECTIONS, seconds: WARM_SECONDS, token });
  // The stack's own gateway is not measured (each contender is started for itself).
  await stack.stopService('gateway');

  // The notifications relay polls DynamoDB in the background: measured idle, subtracted from runs.
  const idle0 = await dynamoCalls();
  await new Promise((r) => setTimeout(r, 3000));
  const idleDynamoPerSecond = ((await dynamoCalls()) - idle0) / 3;

  const upstream: UpstreamProbe = {
    /**
     * Waits (up to 20 s) until DynamoDB is back to the relay's idle polling: the notifications relay
     * catches up on the last writes for a few seconds after a W3 run, and a contender that starts
     * fast (Marquee's gateway boots in ~1 s, Hive in several) had that counted in its cold window.
     */
    async quiesce() {
      const until = Date.now() + 20_000;
      for (let before = await dynamoCalls(); Date.now() < until;) {
        await new Promise((r) => setTimeout(r, 300));
        const now = await dynamoCalls();
        if (now - before <= idleDynamoPerSecond * 0.3 + 1) return;
        before = now;
      }
      log('DynamoDB did not settle within 20 s; measuring anyway');
    },
    async begin() {
      tmdb.resetLog();
      const ddb0 = await dynamoCalls();
      return async (elapsed, ops) => {
        const ddb = Math.max(0, (await dynamoCalls()) - ddb0 - idleDynamoPerSecond * elapsed);
        return { tmdbPer1000: round((tmdb.requests.length * 1000) / ops, 1), dynamoPerOp: round(ddb / ops, 2) };
      };
    },
  };

  return {
    stack,
    ids,
    workloads: wl,
    token,
    rawBodiesFile,
    upstream,
    flush: async () => {
      const r = new Redis(redisUrl);
      await r.flushall();
      r.disconnect();
    },
    idleDynamoPerSecond: round(idleDynamoPerSecond, 2),
    omdbCalls,
    stop: () => stack.stop(),
  };
}
