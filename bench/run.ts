/**
 * `npm run bench`: Marquee's gateway measured side by side with peers — stock @apollo/gateway,
 * Hive Gateway (JavaScript and Rust query planners, in-flight deduplication off and on) and a
 * bare node:http server replaying Marquee's answers (the raw limit) — on the same local
 * supergraph (startStack: the four subgraphs and the feed processor, local TMDB, DynamoDB Local, a real Redis), the same
 * supergraph file and the same load. Rounds interleave the contenders (A B C … A B C …); the
 * table shows medians of the rounds. Method and latest results: docs/performance.md.
 *
 * After those (upstream-bound) rounds, a gateway-bound section runs the read workloads warm
 * against replaying subgraphs (bench/replay-subgraphs.ts), so that the gateway, not the real
 * subgraphs' core, is the bottleneck. BENCH_SECTIONS picks sections (default: all).
 *
 * `npm run bench -- --smoke`: a seconds-long run of Marquee alone on W1 (both sections), for CI.
 *
 * Pinning (2 cores): each gateway contender runs alone on core 0 (BENCH_GATEWAY_CORE); this
 * process (the load generator), the in-process TMDB stand-in, the subgraphs, DynamoDB Local and
 * Redis share core 1 (BENCH_LOAD_CORE). Identical for every contender. BENCH_PIN=0 turns it off.
 */
import { spawnSync } from 'node:child_process';
import { cpus, loadavg, tmpdir } from 'node:os';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Redis from 'ioredis';
import { startRedis } from '../local/redis';
import { startStack, type Stack } from '../local/stack';
import { findFreePort } from '../local/processes';
import { makeToken } from '../scripts/token';
import { allContenders, baseline, buildContenders, ensurePeers, startContender, type Contender, type Running } from './contenders';
import { counterTotal, cpuMs, load, median, peakRssMb, round } from './measure';
import { aggregate, checkTargets, markdownTable, resultsTable, type Mode, type Sample, type ScalingRow } from './report';
import { replayTotals, startReplaySubgraphs, type ReplayStats, type ReplaySubgraph, type SubgraphName } from './replay-subgraphs';
import { catalogueIds } from '../workloads/operations';
import { measureOmdbCalls, omdbCallsLine } from './omdb-calls';
import { scalingWorkload, workloads, WRITE_USERS, type Workload } from './workloads';

const ROOT = path.resolve(__dirname, '..');
const SMOKE = process.argv.includes('--smoke');
const num = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);
const ROUNDS = SMOKE ? 1 : num('BENCH_ROUNDS', 3);
/** A cold run is the first COLD_REQUESTS_PER_CONNECTION × connections requests after emptying the caches. */
const COLD_REQUESTS_PER_CONNECTION = SMOKE ? 2 : num('BENCH_COLD_REQUESTS', 8);
const WARM_SECONDS = SMOKE ? 2 : num('BENCH_SECONDS', 4);
const SCALING_SECONDS = num('BENCH_SCALING_SECONDS', 3);
const SCALING_WARMUP_SECONDS = num('BENCH_SCALING_WARMUP_SECONDS', 5);
/** Unmeasured load per workload before the first round: the subgraphs' JIT and DynamoDB Local's JVM keep getting faster for the first minute or so of load. */
const WARMUP_SECONDS = SMOKE ? 0 : num('BENCH_WARMUP_SECONDS', 30);
const CONNECTIONS = num('BENCH_CONNECTIONS', 20);
const GATEWAY_CORE = num('BENCH_GATEWAY_CORE', 0);
const LOAD_CORE = num('BENCH_LOAD_CORE', 1);
/** Comma-separated contender names to run (default: all; Marquee always runs, it is the baseline). */
const ONLY = process.env.BENCH_CONTENDERS?.split(',').map((s) => s.trim());
const SCALING_CONTENDERS = ['marquee', 'apollo-gateway', 'hive-rust'];
/** Which parts run: upstream (the real stack), gateway-bound (replaying subgraphs), scaling. */
const SECTIONS = (process.env.BENCH_SECTIONS ?? 'upstream,gateway-bound,scaling').split(',').map((s) => s.trim());
for (const s of SECTIONS) if (!['upstream', 'gateway-bound', 'scaling'].includes(s)) throw new Error(`BENCH_SECTIONS: unknown section ${s}`);
const UPSTREAM = SECTIONS.includes('upstream');
const GATEWAY_BOUND = SECTIONS.includes('gateway-bound');
const SCALING = SECTIONS.includes('scaling') && !SMOKE;
/** Without a response cache: with one, the gateway would not be the thing measured either. */
const GATEWAY_BOUND_CONTENDERS = [
  'marquee',
  ...(baseline() ? [baseline()!.name] : []),
  'marquee+dedupe',
  'apollo-gateway',
  'hive',
  'hive+dedupe',
  'hive-rust',
  'hive-rust+dedupe',
];
/**
 * Unmeasured load just before a gateway-bound run: there the gateway is the bottleneck, so its
 * JIT warming up during the window would be measured too (W1 is primed with a single request).
 * 2 s was too short: Marquee's W1 measured ~20 % lower than in a separate A/B run with more load first.
 */
const GATEWAY_BOUND_SETTLE_SECONDS = SMOKE ? 0 : 6;

type Phase = 'cold' | 'warm';
type Replay = Record<SubgraphName, ReplaySubgraph>;

const log = (msg: string) => console.error(`[bench] ${msg}`);

/** Share of the subgraph requests between two readings that were answered from memory (null: there were none). */
function hitRatio(before: ReplayStats, after: ReplayStats): number | null {
  const hits = after.hits - before.hits;
  const all = hits + after.misses - before.misses;
  return all ? round(hits / all, 4) : null;
}

/**
 * Priming that records everything a measured window can send through the replaying subgraphs:
 * the workload's requests as every connection's user (W2's viewer fields make each user's
 * subgraph requests distinct), not only as the primer. Users here depend on the connection only
 * (W3's do not, and W3 never runs gateway-bound).
 */
function everyConnection(w: Workload, connections: number): { body: string; user: string | null }[] {
  const users = [...new Set(Array.from({ length: connections }, (_, c) => w.user(c, 0)))];
  return w.prime().flatMap((p) => users.map((user) => ({ body: p.body, user })));
}

/** The list started at position `shift` and wrapped (A B C, B C A, C A B, …): no contender always runs first. */
function rotate<T>(list: T[], shift: number): T[] {
  const k = shift % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}

function hasTaskset(): boolean {
  return spawnSync('taskset', ['--version'], { stdio: 'ignore' }).status === 0;
}

async function main() {
  const started = Date.now();
  const pin = process.env.BENCH_PIN !== '0' && cpus().length >= 2 && hasTaskset();
  if (process.env.BENCH_PIN !== '0' && !pin) log('not pinning: needs 2+ cores and taskset (apt-get install util-linux)');
  // Pin ourselves first: everything started from here on (stack, Redis, DynamoDB Local) inherits core LOAD_CORE.
  if (pin) spawnSync('taskset', ['-a', '-cp', String(LOAD_CORE), String(process.pid)], { stdio: 'ignore' });

  if (!SMOKE) ensurePeers(log);
  log('compiling the Node contenders');
  buildContenders();

  log('starting Redis and the stack (subgraphs, local TMDB, DynamoDB Local, SNS/SQS stand-in)');
  const redis = await startRedis({});
  let stack: Stack | undefined;
  try {
    stack = await startStack({
      randomPorts: true,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        JAVA_HOME: process.env.JAVA_HOME,
        REDIS_URL: redis.url,
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
    return await benchmark(stack, redis.url, pin, started);
  } finally {
    await stack?.stop();
    await redis.stop();
  }
}

async function benchmark(stack: Stack, redisUrl: string, pin: boolean, started: number): Promise<boolean> {
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

  const flush = async () => {
    const r = new Redis(redisUrl);
    await r.flushall();
    r.disconnect();
  };
  const prime = async (url: string, w: Workload, requests = w.prime()) => {
    const queue = [...requests];
    const worker = async () => {
      for (let p = queue.shift(); p; p = queue.shift()) {
        await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(p.user ? { authorization: `Bearer ${token(p.user)}` } : {}) },
          body: p.body,
        }).then((r) => r.text());
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
  };

  /**
   * Waits (up to 20 s) until DynamoDB is back to the relay's idle polling: the notifications relay
   * catches up on the last writes for a few seconds after a W3 run, and a contender that starts
   * fast (Marquee's gateway boots in ~1 s, Hive in several) had that counted in its cold window.
   */
  const quiesce = async () => {
    const until = Date.now() + 20_000;
    for (let before = await dynamoCalls(); Date.now() < until;) {
      await new Promise((r) => setTimeout(r, 300));
      const now = await dynamoCalls();
      if (now - before <= idleDynamoPerSecond * 0.3 + 1) return;
      before = now;
    }
    log('DynamoDB did not settle within 20 s; measuring anyway');
  };

  const measure = async (running: Running, w: Workload, length: { seconds: number } | { amount: number }, replay?: Replay) => {
    await quiesce();
    const replay0 = replay && replayTotals(replay);
    tmdb.resetLog();
    const ddb0 = await dynamoCalls();
    const cpu0 = cpuMs(running.pid);
    // Everything else we started (subgraphs, DynamoDB Local, Redis, SNS stand-in) and ourselves
    // (load generator, local TMDB): what the gateway's way of calling subgraphs costs upstream.
    const rest0 = cpuMs(process.pid) - cpu0;
    const t0 = Date.now();
    const r = await load({ url: running.url, workload: w, connections: CONNECTIONS, token, ...length });
    const cpu1 = cpuMs(running.pid);
    const cpu = cpu1 - cpu0;
    const rest = cpuMs(process.pid) - cpu1 - rest0;
    const elapsed = (Date.now() - t0) / 1000;
    const ddb = Math.max(0, (await dynamoCalls()) - ddb0 - idleDynamoPerSecond * elapsed);
    const ops = Math.max(1, r.requests);
    return {
      r,
      replayHitRatio: replay0 && replay ? hitRatio(replay0, replayTotals(replay)) : null,
      cpuMsPerOp: round(cpu / ops, 3),
      upstreamCpuMsPerOp: round(rest / ops, 3),
      peakRssMb: peakRssMb(running.pid),
      tmdbPer1000: round((tmdb.requests.length * 1000) / ops, 1),
      dynamoPerOp: round(ddb / ops, 2),
    };
  };

  let contenders = allContenders({ stack: stack.env, rawBodiesFile });
  if (SMOKE) contenders = contenders.filter((c) => c.name === 'marquee');
  else if (ONLY) contenders = contenders.filter((c) => c.name === 'marquee' || ONLY.includes(c.name));
  const workloadsFor = (c: Contender) => (SMOKE ? wl.slice(0, 1) : wl.filter((w) => !w.mutation || c.writes));

  /** Starts the contender pinned to the gateway core, runs `work` against it, stops it whatever happens. */
  const withContender = async (c: Contender, work: (running: Running) => Promise<void>) => {
    const running = await startContender(c, await findFreePort(), pin ? GATEWAY_CORE : null);
    try {
      await work(running);
    } finally {
      await running.stop();
    }
  };
  /** Unmeasured load on the stack, through the first contender. */
  const warmUp = (what: string, ws: Workload[], seconds: number) =>
    withContender(contenders[0], async (running) => {
      for (const w of ws) {
        log(`warming up the stack${what}: ${w.name}, ${seconds} s`);
        await load({ url: running.url, workload: w, connections: CONNECTIONS, seconds, token });
      }
    });

  if (WARMUP_SECONDS > 0) await warmUp('', wl, WARMUP_SECONDS);

  interface Section {
    mode: Mode;
    contenders: Contender[];
    workloadsFor(c: Contender): Workload[];
    phasesFor(c: Contender): Phase[];
    /** Before a warm run. */
    prime(c: Contender, url: string, w: Workload): Promise<void>;
    replay?: Replay;
  }
  const samples: Sample[] = [];
  const runRounds = async (section: Section) => {
    const list = section.contenders;
    for (let round_ = 1; round_ <= ROUNDS; round_++) {
      // Interleaved, and rotated each round.
      for (const c of rotate(list, round_ - 1)) {
        await withContender(c, async (running) => {
          for (const w of section.workloadsFor(c)) {
            for (const phase of section.phasesFor(c)) {
              if (phase === 'cold') await flush();
              else await section.prime(c, running.url, w);
              const m = await measure(
                running,
                w,
                phase === 'cold' ? { amount: COLD_REQUESTS_PER_CONNECTION * CONNECTIONS } : { seconds: WARM_SECONDS },
                section.replay,
              );
              samples.push({
                mode: section.mode,
                round: round_,
                contender: c.name,
                baseline: c.baseline,
                dedupe: c.dedupe,
                workload: w.name,
                phase,
                requests: m.r.requests,
                seconds: m.r.seconds,
                requestsPerSecond: m.r.requestsPerSecond,
                p50: m.r.p50,
                p95: m.r.p95,
                p99: m.r.p99,
                errors: m.r.errors,
                errorSamples: m.r.errorSamples,
                cpuMsPerOp: m.cpuMsPerOp,
                upstreamCpuMsPerOp: m.upstreamCpuMsPerOp,
                peakRssMb: m.peakRssMb,
                tmdbPer1000: m.tmdbPer1000,
                dynamoPerOp: m.dynamoPerOp,
                replayHitRatio: m.replayHitRatio,
              });
              const hits = m.replayHitRatio === null ? '' : `, replay hits ${round(m.replayHitRatio * 100, 2)} %`;
              log(
                `${section.mode} round ${round_} ${c.name} ${w.id} ${phase}: ${m.r.requestsPerSecond} req/s, p99 ${m.r.p99} ms, ${m.cpuMsPerOp} CPU ms/op (${m.upstreamCpuMsPerOp} upstream), ${m.peakRssMb} MB, errors ${m.r.errors}${hits}` +
                  (m.r.errors ? ` e.g. ${m.r.errorSamples[0]}` : ''),
              );
              if (m.replayHitRatio !== null && m.replayHitRatio < 0.99)
                log(
                  `WARNING: only ${round(m.replayHitRatio * 100, 2)} % of ${c.name}'s subgraph requests were replayed: the real subgraphs were part of this run`,
                );
            }
          }
        });
      }
    }
  };

  const load0 = loadavg()[0];
  if (UPSTREAM)
    await runRounds({
      mode: 'upstream',
      contenders,
      workloadsFor,
      // The raw server has no caches: only its warm figure means anything, and it needs no priming.
      phasesFor: (c) => (c.name === 'raw node:http' ? ['warm'] : ['cold', 'warm']),
      prime: (c, url, w) => (c.name === 'raw node:http' ? Promise.resolve() : prime(url, w)),
    });

  // Gateway-bound: the same contenders over replaying subgraphs, warm reads only (writes must reach the real subgraphs).
  const replayStats: { subgraph: string; recorded: number; hits: number; misses: number }[] = [];
  if (GATEWAY_BOUND) {
    const replay = await startReplaySubgraphs({
      movies: stack.env.MOVIES_URL,
      ratings: stack.env.RATINGS_URL,
      notifications: stack.env.NOTIFICATIONS_URL,
      availability: stack.env.AVAILABILITY_URL,
    });
    try {
      const env = {
        ...stack.env,
        MOVIES_URL: replay.movies.url,
        RATINGS_URL: replay.ratings.url,
        NOTIFICATIONS_URL: replay.notifications.url,
        AVAILABILITY_URL: replay.availability.url,
      };
      const bound = allContenders({ stack: env, rawBodiesFile }).filter(
        (c) => contenders.some((x) => x.name === c.name) && GATEWAY_BOUND_CONTENDERS.includes(c.name),
      );
      log(
        `gateway-bound: ${bound.map((c) => c.name).join(', ')} over replaying subgraphs (${Object.values(replay)
          .map((r) => r.url)
          .join(', ')})`,
      );
      await runRounds({
        mode: 'gateway-bound',
        contenders: bound,
        workloadsFor: (c) => workloadsFor(c).filter((w) => !w.mutation),
        phasesFor: () => ['warm'],
        prime: async (_c, url, w) => {
          await prime(url, w, everyConnection(w, CONNECTIONS));
          if (GATEWAY_BOUND_SETTLE_SECONDS > 0) await load({ url, workload: w, connections: CONNECTIONS, seconds: GATEWAY_BOUND_SETTLE_SECONDS, token });
        },
        replay,
      });
    } finally {
      for (const r of Object.values(replay)) replayStats.push({ subgraph: r.name, recorded: r.recorded(), ...r.stats });
      await Promise.all(Object.values(replay).map((r) => r.close()));
    }
  }

  // Scaling: W2's per-film fields for 20, 50 and 100 films in one request (movies(ids)), warm.
  const scaling: ScalingRow[] = [];
  if (SCALING) {
    const list = contenders.filter((x) => SCALING_CONTENDERS.includes(x.name));
    const sizes = [20, 50, 100].map((n) => ({ n, w: scalingWorkload(ids, n) }));
    // The stack has not served these larger operations yet (the gateway-bound section hardly
    // touches it): unmeasured, or whichever contender runs first pays the subgraphs' warm-up
    // (measured: ~40 % lower requests/s for the first of three identical runs).
    if (SCALING_WARMUP_SECONDS > 0)
      await warmUp(
        ' for scaling',
        sizes.map((s) => s.w),
        SCALING_WARMUP_SECONDS,
      );
    // Single runs here swing by a third on this machine: ROUNDS rounds, rotated, medians.
    const runs: ScalingRow[] = [];
    for (let round_ = 0; round_ < ROUNDS; round_++) {
      for (const [i, { n, w }] of sizes.entries()) {
        for (const c of rotate(list, i + round_)) {
          await withContender(c, async (running) => {
            await prime(running.url, w);
            const m = await measure(running, w, { seconds: SCALING_SECONDS });
            runs.push({
              contender: c.name,
              films: n,
              requestsPerSecond: m.r.requestsPerSecond,
              p50: m.r.p50,
              p95: m.r.p95,
              p99: m.r.p99,
              errors: m.r.errors,
              cpuMsPerOp: m.cpuMsPerOp,
            });
            log(`scaling round ${round_ + 1} ${c.name} ${n} films: ${m.r.requestsPerSecond} req/s, p50 ${m.r.p50} ms, p99 ${m.r.p99} ms, errors ${m.r.errors}`);
          });
        }
      }
    }
    for (const c of list) {
      for (const { n } of sizes) {
        const of = runs.filter((r) => r.contender === c.name && r.films === n);
        const med = (f: (r: ScalingRow) => number) => round(median(of.map(f)), 3);
        scaling.push({
          contender: c.name,
          films: n,
          requestsPerSecond: med((r) => r.requestsPerSecond),
          p50: med((r) => r.p50),
          p95: med((r) => r.p95),
          p99: med((r) => r.p99),
          errors: of.reduce((s, r) => s + r.errors, 0),
          cpuMsPerOp: med((r) => r.cpuMsPerOp),
        });
      }
    }
  }

  // --- report -------------------------------------------------------------------------
  const rows = aggregate(samples);
  const targets = SMOKE ? [] : checkTargets(rows);
  const failed = samples.some((s) => s.errors > 0) || scaling.some((s) => s.errors > 0);
  const at = new Date();
  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memoryGb: Math.round(Number(readFileSync('/proc/meminfo', 'utf8').match(/MemTotal:\s+(\d+)/)?.[1] ?? 0) / 1024 / 1024),
    node: process.version,
    loadAverageBefore: round(load0, 2),
    loadAverageAfter: round(loadavg()[0], 2),
  };
  const settings = {
    smoke: SMOKE,
    rounds: ROUNDS,
    coldRequests: COLD_REQUESTS_PER_CONNECTION * CONNECTIONS,
    warmSeconds: WARM_SECONDS,
    scalingSeconds: SCALING_SECONDS,
    connections: CONNECTIONS,
    pinned: pin,
    gatewayCore: GATEWAY_CORE,
    loadCore: LOAD_CORE,
    idleDynamoPerSecond: round(idleDynamoPerSecond, 2),
    sections: SECTIONS,
    gatewayBoundSettleSeconds: GATEWAY_BOUND_SETTLE_SECONDS,
  };
  // rows and samples carry their mode; `replay` is what each replaying subgraph recorded and answered over the whole section.
  const out = {
    at: at.toISOString(),
    durationSeconds: Math.round((Date.now() - started) / 1000),
    machine,
    settings,
    failed,
    rows,
    targets,
    scaling,
    replay: replayStats,
    omdbCalls,
    samples,
  };
  mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
  const file = path.join(ROOT, 'bench', 'results', `${at.toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(out, null, 2) + '\n');

  console.log(`\nMarquee gateway benchmark, ${at.toISOString()} — ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}`);
  console.log(
    `${ROUNDS} round(s) interleaved, medians; ${CONNECTIONS} connections; cold = first ${COLD_REQUESTS_PER_CONNECTION * CONNECTIONS} requests after FLUSHALL, warm ${WARM_SECONDS} s after priming; ${pin ? `gateway pinned to core ${GATEWAY_CORE}, everything else to core ${LOAD_CORE}` : 'unpinned'}\n`,
  );
  console.log(resultsTable(rows, 'upstream'));
  if (rows.some((r) => r.mode === 'gateway-bound')) {
    const recorded = replayStats.map((r) => `${r.subgraph} ${r.recorded}`).join(', ');
    console.log(
      `\nGateway-bound (replaying subgraphs) — warm, ${WARM_SECONDS} s after priming every connection's requests and ${GATEWAY_BOUND_SETTLE_SECONDS} s of unmeasured load; answers recorded: ${recorded}:\n`,
    );
    console.log(resultsTable(rows, 'gateway-bound'));
  }
  if (scaling.length)
    console.log(
      '\nScaling — movies(ids) with W2’s per-film fields, warm:\n\n' +
        markdownTable(
          scaling.map((s) => ({ ...s })),
          { films: 'films', requestsPerSecond: 'req/s', p50: 'p50 ms', p95: 'p95 ms', p99: 'p99 ms', cpuMsPerOp: 'gateway CPU ms/op' },
        ),
    );
  console.log(omdbCallsLine(omdbCalls));
  if (targets.length) console.log('\nTargets (issue #8):\n\n' + markdownTable(targets.map((t) => ({ ...t }))));
  console.log(`\nraw results: ${path.relative(process.cwd(), file)} (${out.durationSeconds} s)`);
  if (failed) {
    console.log('\nFAILED: some runs had errors:');
    for (const s of samples.filter((x) => x.errors > 0))
      console.log(`  ${s.mode} round ${s.round} ${s.contender} ${s.workload} ${s.phase}: ${s.errors} errors, e.g. ${s.errorSamples[0]}`);
  }
  return !failed;
}

main().then(
  (ok) => process.exit(ok ? 0 : 1),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
