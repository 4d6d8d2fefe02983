/**
 * `npm run bench`: Marquee's gateway measured side by side with peers — stock @apollo/gateway,
 * Hive Gateway (JavaScript and Rust query planners, in-flight deduplication off and on) and a
 * bare node:http server replaying Marquee's answers (the raw limit). Rounds interleave the
 * contenders (A B C … A B C …); the tables show medians of the rounds. Method and latest
 * results: docs/performance.md.
 *
 * The run is a list of sections (bench/sections/), picked with BENCH_SECTIONS (default: all):
 * upstream (the real local stack), gateway-bound (the same reads over replaying subgraphs, so
 * the gateway is the bottleneck), scaling (movies(ids) of 20, 50, 100 films), guild (The Guild's
 * gateways-benchmark supergraph and query, bench/guild/; needs no stack), subscriptions (2,000
 * live subscribers on Marquee's gateway: memory per connection, fan-out latency).
 *
 * `npm run bench -- --smoke`: a seconds-long run of Marquee alone on W1, for CI.
 *
 * Pinning (2 cores): each gateway contender runs alone on core 0 (BENCH_GATEWAY_CORE); this
 * process (the load generator), the subgraphs and their stand-ins, DynamoDB Local and Redis share
 * core 1 (BENCH_LOAD_CORE). Identical for every contender. BENCH_PIN=0 turns it off.
 */
import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { startRedis } from '../local/redis';
import { allContenders, buildContenders, ensurePeers, type ContenderEnv } from './contenders';
import { Harness } from './harness';
import { report } from './output';
import type { SectionContext } from './sections/context';
import { runBrowseWrite } from './sections/browse-write';
import { runGatewayBound } from './sections/gateway-bound';
import { runGuild } from './sections/guild';
import { runScaling, warmUp } from './sections/scaling';
import { runSubscriptions } from './sections/subscriptions';
import { runUpstream } from './sections/upstream';
import { LOAD_CORE, ONLY, SECTIONS, SMOKE, WARMUP_SECONDS, log, type SectionName } from './settings';
import { startStackRun, type StackRun } from './stack-run';

/** The sections in the order they run, and whether each needs the real stack. */
const SECTION_LIST: { name: SectionName; stack: boolean; smoke: boolean; run(ctx: SectionContext): Promise<void> }[] = [
  { name: 'upstream', stack: true, smoke: true, run: runUpstream },
  { name: 'w4', stack: true, smoke: false, run: runBrowseWrite },
  { name: 'gateway-bound', stack: true, smoke: true, run: runGatewayBound },
  { name: 'scaling', stack: true, smoke: false, run: runScaling },
  { name: 'guild', stack: false, smoke: false, run: runGuild },
  { name: 'subscriptions', stack: true, smoke: false, run: runSubscriptions },
];

function hasTaskset(): boolean {
  return spawnSync('taskset', ['--version'], { stdio: 'ignore' }).status === 0;
}

function selectContenders(env: ContenderEnv) {
  const all = allContenders(env);
  if (SMOKE) return all.filter((c) => c.name === 'marquee');
  const only = ONLY;
  return only ? all.filter((c) => c.name === 'marquee' || only.includes(c.name)) : all;
}

async function main(): Promise<boolean> {
  const started = Date.now();
  const pin = process.env.BENCH_PIN !== '0' && cpus().length >= 2 && hasTaskset();
  if (process.env.BENCH_PIN !== '0' && !pin) log('not pinning: needs 2+ cores and taskset (apt-get install util-linux)');
  // Pin ourselves first: everything started from here on (stack, Redis, DynamoDB Local) inherits core LOAD_CORE.
  if (pin) spawnSync('taskset', ['-a', '-cp', String(LOAD_CORE), String(process.pid)], { stdio: 'ignore' });
  const sections = SECTION_LIST.filter((s) => SECTIONS.includes(s.name) && (s.smoke || !SMOKE));

  if (!SMOKE) ensurePeers(log);
  log('compiling the Node contenders');
  buildContenders();

  log('starting Redis');
  const redis = await startRedis({});
  let stack: StackRun | undefined;
  try {
    if (sections.some((s) => s.stack)) stack = await startStackRun(redis.url);
    const ctx: SectionContext = {
      harness: new Harness(pin, (u) => {
        if (!stack) throw new Error(`no token for ${u}: these sections send no user tokens`);
        return stack.token(u);
      }),
      contenders: selectContenders,
      redisUrl: redis.url,
      stack,
      scaling: [],
      replay: [],
      settings: {},
    };
    if (stack && WARMUP_SECONDS > 0) await warmUp(ctx, '', stack.workloads, WARMUP_SECONDS);
    const load0 = loadavg()[0];
    for (const section of sections) await section.run(ctx);
    return report(ctx, started, load0, pin);
  } finally {
    await stack?.stop();
    await redis.stop();
  }
}

main().then(
  (ok) => process.exit(ok ? 0 : 1),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
