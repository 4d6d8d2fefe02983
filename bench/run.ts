/**
 * `npm run bench`: Marquee's gateway measured side by side with peers, on the same subgraphs,
 * supergraph file and load, runs interleaved (A B C A B C …), medians of the rounds.
 * `npm run bench -- --smoke` is a seconds-long run of one contender, for CI.
 *
 * Pinning (2 cores): every gateway contender runs on core 0 alone; this process (the load
 * generator), the subgraphs and the stand-ins share core 1. Identical for every contender.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import Redis from 'ioredis';
import { startRedis } from '../local/redis';
import { startStack, type Stack } from '../local/stack';
import { findFreePort, spawnManaged, waitFor, type ManagedProcess } from '../local/processes';
import { makeToken } from '../scripts/token';

const ROOT = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
const SMOKE = args.includes('--smoke');
const ROUNDS = SMOKE ? 1 : Number(process.env.BENCH_ROUNDS ?? 3);
const DURATION = SMOKE ? 2 : Number(process.env.BENCH_SECONDS ?? 6);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);

// --- workloads ---------------------------------------------------------------------------

const catalog = JSON.parse(readFileSync(path.join(ROOT, 'local', 'tmdb', 'catalog.json'), 'utf8')) as { movies: { id: number; popularity: number }[] };
const idsByPopularity = [...catalog.movies].sort((a, b) => b.popularity - a.popularity).map((m) => String(m.id));
/** Zipf (s = 1) over the catalogue: a few films get most of the traffic, as in real life. */
const zipfWeights = idsByPopularity.map((_, i) => 1 / (i + 1));
const zipfTotal = zipfWeights.reduce((a, b) => a + b, 0);
function zipfId(): string {
  let r = Math.random() * zipfTotal;
  for (let i = 0; i < zipfWeights.length; i++) if ((r -= zipfWeights[i]) <= 0) return idsByPopularity[i];
  return idsByPopularity[0];
}

const W1 = `query Browse { popularMovies(page: 1) { results { id title poster(size: W342) { url } genres { name } tmdbRating { average voteCount } ratingSummary { average count } followerCount } } }`;
const W2 = `query Detail($id: ID!) { movie(id: $id) { id title cast(first: 10) { character person { id name } } directors { name } trailers { url }
  reviews(first: 5) { totalCount edges { node { score review } } } viewerRating { score } viewerIsFollowing
  recommendations { results { id title ratingSummary { average count } } } } }`;
const W3 = `mutation Rate($input: RateMovieInput!) { rateMovie(input: $input) { rating { score } movie { ratingSummary { count } } } }`;
const scalingQuery = (n: number) => `query Many($ids: [ID!]!) { movies(ids: $ids) { id title ratingSummary { average count } followerCount } }`.replace('Many', `Many${n}`);

interface Workload {
  name: string;
  /** A request body for one request. */
  body: () => string;
  auth: boolean;
}

const WORKLOADS: Workload[] = [
  { name: 'W1 anonymous browse', body: () => JSON.stringify({ query: W1 }), auth: false },
  { name: 'W2 authenticated detail', body: () => JSON.stringify({ query: W2, variables: { id: zipfId() } }), auth: true },
  { name: 'W3 writes', body: () => JSON.stringify({ query: W3, variables: { input: { movieId: zipfId(), score: (1 + Math.floor(Math.random() * 20)) / 2 } } }), auth: true },
];

// --- contenders --------------------------------------------------------------------------

interface Contender {
  name: string;
  start(port: number): ManagedProcess;
}

function nodeProcess(name: string, entry: string, env: Record<string, string>): ManagedProcess {
  return spawnManaged(process.execPath, ['--import', 'tsx', path.join(ROOT, entry)], { name, env, logFile: path.join(tmpdir(), `bench-${name}.log`) });
}

function contenders(stack: Stack, rawBodyFile: string): Contender[] {
  const gatewayEnv = (port: number, extra: Record<string, string>) => ({
    ...stack.env,
    GATEWAY_PORT: String(port),
    LOG_LEVEL: 'warn',
    RATE_LIMIT_ANONYMOUS: '100000000',
    RATE_LIMIT_USER: '100000000',
    ...extra,
  });
  const list: Contender[] = [
    { name: 'marquee', start: (port) => nodeProcess('marquee', 'gateway/main.ts', gatewayEnv(port, { RESPONSE_CACHE: 'off', SUBGRAPH_DEDUPE: 'off' })) },
    { name: 'marquee+dedupe', start: (port) => nodeProcess('marquee-dedupe', 'gateway/main.ts', gatewayEnv(port, { RESPONSE_CACHE: 'off', SUBGRAPH_DEDUPE: 'on' })) },
    { name: 'marquee+cache', start: (port) => nodeProcess('marquee-cache', 'gateway/main.ts', gatewayEnv(port, { RESPONSE_CACHE: 'on', SUBGRAPH_DEDUPE: 'on' })) },
    { name: 'apollo-gateway (stock)', start: (port) => nodeProcess('stock', 'bench/peers/stock-gateway.ts', { ...stack.env, PORT: String(port) }) },
    { name: 'raw node:http', start: (port) => nodeProcess('raw', 'bench/peers/raw-server.ts', { ...stack.env, PORT: String(port), RAW_BODY_FILE: rawBodyFile }) },
  ];
  return SMOKE ? list.slice(0, 1) : list;
}

// --- measurement -------------------------------------------------------------------------

interface Sample {
  contender: string;
  workload: string;
  phase: 'cold' | 'warm';
  round: number;
  requestsPerSecond: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
  requests: number;
  peakRssMb: number;
  /** Gateway CPU time (user + system) per operation: what the gateway itself costs. */
  cpuMsPerOp: number;
  tmdbPer1000: number;
  dynamoPerOp: number;
}

function pin(pid: number | undefined, core: number) {
  if (pid && process.env.BENCH_PIN !== '0') spawnSync('taskset', ['-a', '-cp', String(core), String(pid)], { stdio: 'ignore' });
}

function peakRssMb(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : 0;
  } catch {
    return 0;
  }
}

function cpuMs(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    // utime and stime, in clock ticks (100 per second on Linux).
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return 0;
  }
}

async function dynamoCalls(stack: Stack): Promise<number> {
  let total = 0;
  for (const name of ['ratings', 'notifications'] as const) {
    const text = await fetch(stack.urls[name].replace('/graphql', '/metrics')).then((r) => r.text());
    for (const m of text.matchAll(/^marquee_dynamodb_requests_total\{[^}]*\} (\d+)/gm)) total += Number(m[1]);
  }
  return total;
}

async function load(url: string, w: Workload, tokens: string[], seconds: number): Promise<{ result: autocannon.Result; errors: number }> {
  let errors = 0;
  let client = 0;
  const instance = autocannon({
    url,
    method: 'POST',
    connections: CONNECTIONS,
    duration: seconds,
    headers: { 'content-type': 'application/json' },
    setupClient: (c) => {
      // One virtual user per connection.
      if (w.auth) c.setHeaders({ 'content-type': 'application/json', authorization: `Bearer ${tokens[client++ % tokens.length]}` });
    },
    requests: [
      {
        setupRequest: (req) => ({ ...req, body: w.body() }),
        onResponse: (status, body) => {
          if (status !== 200 || body.includes('"errors"')) errors++;
        },
      },
    ],
  });
  const result = await instance;
  return { result, errors: errors + result.non2xx + result.errors };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : 0;
};

async function main() {
  pin(process.pid, 1);
  const redis = await startRedis({});
  const stack = await startStack({
    randomPorts: true,
    env: { PATH: process.env.PATH, REDIS_URL: redis.url, LOG_LEVEL: 'warn', TMDB_RATE_LIMIT: '1000' },
    logDir: path.join(tmpdir(), 'bench-stack-logs'),
  });
  const flush = async () => {
    const r = new Redis(redis.url);
    await r.flushall();
    r.disconnect();
  };
  for (const name of ['movies', 'ratings', 'notifications', 'gateway'] as const) pin(stack.pid(name), 1);
  const tokens = await Promise.all(Array.from({ length: CONNECTIONS }, (_, i) => makeToken(`bench-user-${i}`, stack.env.JWT_SECRET)));

  // The raw contender replies with exactly what Marquee answers for W1.
  const rawBodyFile = path.join(tmpdir(), 'bench-raw-body.json');
  writeFileSync(rawBodyFile, await fetch(stack.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: WORKLOADS[0].body() }).then((r) => r.text()));

  const samples: Sample[] = [];
  const list = contenders(stack, rawBodyFile);
  const workloads = SMOKE ? WORKLOADS.slice(0, 1) : WORKLOADS;
  for (let round = 1; round <= ROUNDS; round++) {
    for (const c of list) {
      const port = await findFreePort();
      const proc = c.start(port);
      const url = `http://127.0.0.1:${port}/graphql`;
      await waitFor(() => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' }).then((r) => r.status < 500), {
        timeoutMs: 60_000,
        what: c.name,
        failFast: proc.exited,
      });
      pin(proc.child.pid, 0);
      for (const w of workloads) {
        if (c.name === 'raw node:http' && w !== WORKLOADS[0]) continue;
        for (const phase of ['cold', 'warm'] as const) {
          if (phase === 'cold') await flush();
          stack.tmdb?.resetLog();
          const ddbBefore = await dynamoCalls(stack);
          const cpuBefore = cpuMs(proc.child.pid);
          const { result, errors } = await load(url, w, tokens, DURATION);
          const cpuUsed = cpuMs(proc.child.pid) - cpuBefore;
          const ops = result.requests.total || 1;
          const s: Sample = {
            contender: c.name,
            workload: w.name,
            phase,
            round,
            requestsPerSecond: Math.round(result.requests.average),
            p50: result.latency.p50,
            p95: result.latency.p97_5 ?? result.latency.p99,
            p99: result.latency.p99,
            errors,
            requests: result.requests.total,
            peakRssMb: peakRssMb(proc.child.pid),
            cpuMsPerOp: Math.round((cpuUsed / ops) * 100) / 100,
            tmdbPer1000: Math.round(((stack.tmdb?.requests.length ?? 0) * 1000) / ops),
            dynamoPerOp: Math.round(((await dynamoCalls(stack)) - ddbBefore) / ops * 100) / 100,
          };
          samples.push(s);
          console.error(`${c.name} | ${w.name} | ${phase} | round ${round}: ${s.requestsPerSecond} req/s, p99 ${s.p99} ms, ${s.cpuMsPerOp} CPU ms/op, errors ${s.errors}`);
        }
      }
      await proc.stop();
    }
  }

  // Scaling: W2-style lists of 20, 50 and 100 films through Marquee (no response cache).
  const scaling: { films: number; p50: number; p99: number; requestsPerSecond: number; errors: number }[] = [];
  if (!SMOKE) {
    const port = await findFreePort();
    const proc = list[0].start(port);
    const url = `http://127.0.0.1:${port}/graphql`;
    await waitFor(() => fetch(url.replace('/graphql', '/health')).then((r) => r.ok), { timeoutMs: 60_000, what: 'marquee', failFast: proc.exited });
    pin(proc.child.pid, 0);
    for (const n of [20, 50, 100]) {
      const ids = idsByPopularity.slice(0, n);
      const { result, errors } = await load(url, { name: `movies(${n})`, auth: true, body: () => JSON.stringify({ query: scalingQuery(n), variables: { ids } }) }, tokens, DURATION);
      scaling.push({ films: n, p50: result.latency.p50, p99: result.latency.p99, requestsPerSecond: Math.round(result.requests.average), errors });
    }
    await proc.stop();
  }

  await stack.stop();
  await redis.stop();

  // --- report ---------------------------------------------------------------------------
  const rows: Record<string, unknown>[] = [];
  const keys = [...new Set(samples.map((s) => `${s.workload}|${s.phase}|${s.contender}`))];
  const med = (k: string, f: (s: Sample) => number) => median(samples.filter((s) => `${s.workload}|${s.phase}|${s.contender}` === k).map(f));
  for (const k of keys) {
    const [workload, phase, contender] = k.split('|');
    const baseline = `${workload}|${phase}|marquee`;
    rows.push({
      workload,
      phase,
      contender,
      'req/s': med(k, (s) => s.requestsPerSecond),
      'vs marquee': Math.round((med(k, (s) => s.requestsPerSecond) / (med(baseline, (s) => s.requestsPerSecond) || 1)) * 100) / 100,
      'p50 ms': med(k, (s) => s.p50),
      'p95 ms': med(k, (s) => s.p95),
      'p99 ms': med(k, (s) => s.p99),
      'gateway CPU ms/op': med(k, (s) => s.cpuMsPerOp),
      'CPU vs marquee': Math.round((med(k, (s) => s.cpuMsPerOp) / (med(baseline, (s) => s.cpuMsPerOp) || 1)) * 100) / 100,
      errors: Math.max(...samples.filter((s) => `${s.workload}|${s.phase}|${s.contender}` === k).map((s) => s.errors)),
      'peak RSS MB': Math.max(...samples.filter((s) => `${s.workload}|${s.phase}|${s.contender}` === k).map((s) => s.peakRssMb)),
      'TMDB /1k ops': med(k, (s) => s.tmdbPer1000),
      'DynamoDB /op': med(k, (s) => s.dynamoPerOp),
    });
  }
  console.log('\n' + markdownTable(rows));
  if (scaling.length) console.log('\nScaling (movies(ids) with ratingSummary and followerCount):\n' + markdownTable(scaling));
  const failed = samples.some((s) => s.errors > 0);
  const out = { at: new Date().toISOString(), machine: { cores: 2, node: process.version }, rounds: ROUNDS, seconds: DURATION, connections: CONNECTIONS, samples, rows, scaling, failed };
  mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
  const file = path.join(ROOT, 'bench', 'results', `${out.at.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(out, null, 2));
  console.log(`\nraw results: ${path.relative(process.cwd(), file)}${failed ? '\nFAILED: some runs had errors' : ''}`);
  process.exit(failed ? 1 : 0);
}

function markdownTable(rows: Record<string, unknown>[]): string {
  if (!rows.length) return '';
  const cols = Object.keys(rows[0]);
  return [`| ${cols.join(' | ')} |`, `| ${cols.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${cols.map((c) => String(r[c])).join(' | ')} |`)].join('\n');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
