/** The end of a run: the raw results file (bench/results/<time>.json) and the tables on stdout. */
import { cpus, loadavg } from 'node:os';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { round } from './measure';
import { omdbCallsLine } from './omdb-calls';
import { aggregate, checkTargets, markdownTable, resultsTable, type Mode, type Row, type Sample, type Target } from './report';
import { READ_SHARE, STALENESS_LIMIT_MS } from './browse-while-writing';
import type { SectionContext } from './sections/context';
import type { SubscriptionsResult } from './sections/subscriptions';
import {
  COLD_REQUESTS_PER_CONNECTION,
  CONNECTIONS,
  GATEWAY_BOUND_SETTLE_SECONDS,
  GATEWAY_CORE,
  LOAD_CORE,
  ROUNDS,
  SCALING_SECONDS,
  SECTIONS,
  SMOKE,
  WARM_SECONDS,
} from './settings';

const ROOT = path.resolve(__dirname, '..');

/** Titles of the tables of the sections that produce rows, after the upstream one. */
const TITLES: Partial<Record<Mode, string>> = {
  'gateway-bound': `Gateway-bound (replaying subgraphs) — warm, ${WARM_SECONDS} s after priming every connection's requests and ${GATEWAY_BOUND_SETTLE_SECONDS} s of unmeasured load`,
  guild: `The Guild's gateways-benchmark workload (bench/guild/, replaying subgraphs) — warm, ${WARM_SECONDS} s after priming and ${GATEWAY_BOUND_SETTLE_SECONDS} s of unmeasured load; every answer compared byte for byte`,
};

/** Writes the results file, prints the tables; true when no run had errors. */
export function report(ctx: SectionContext, started: number, load0: number, pin: boolean): boolean {
  const samples = ctx.harness.samples;
  const rows = aggregate(samples);
  const targets = SMOKE ? [] : [...checkTargets(rows), ...w4Targets(samples, rows)];
  const failed = samples.some((s) => s.errors > 0) || ctx.scaling.some((s) => s.errors > 0) || (ctx.subscriptions?.errors ?? 0) > 0;
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
    ...(ctx.stack ? { idleDynamoPerSecond: ctx.stack.idleDynamoPerSecond } : {}),
    sections: SECTIONS,
    gatewayBoundSettleSeconds: GATEWAY_BOUND_SETTLE_SECONDS,
    ...ctx.settings,
  };
  // rows and samples carry their mode; `replay` is what each replaying subgraph recorded and answered over its whole section.
  const out = {
    at: at.toISOString(),
    durationSeconds: Math.round((Date.now() - started) / 1000),
    machine,
    settings,
    failed,
    rows,
    targets,
    scaling: ctx.scaling,
    replay: ctx.replay,
    ...(ctx.subscriptions ? { subscriptions: ctx.subscriptions } : {}),
    ...(ctx.stack ? { omdbCalls: ctx.stack.omdbCalls } : {}),
    samples,
  };
  mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
  const file = path.join(ROOT, 'bench', 'results', `${at.toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(out, null, 2) + '\n');

  console.log(`\nMarquee gateway benchmark, ${at.toISOString()} — ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}`);
  console.log(
    `${ROUNDS} round(s) interleaved, medians; ${CONNECTIONS} connections; cold = first ${COLD_REQUESTS_PER_CONNECTION * CONNECTIONS} requests after FLUSHALL, warm ${WARM_SECONDS} s after priming; ${pin ? `gateway pinned to core ${GATEWAY_CORE}, everything else to core ${LOAD_CORE}` : 'unpinned'}\n`,
  );
  if (rows.some((r) => r.mode === 'upstream')) console.log(resultsTable(rows, 'upstream'));
  for (const [mode, title] of Object.entries(TITLES) as [Mode, string][]) {
    if (!rows.some((r) => r.mode === mode)) continue;
    const recorded = ctx.replay
      .filter((r) => r.section === mode)
      .map((r) => `${r.subgraph} ${r.recorded}`)
      .join(', ');
    console.log(`\n${title}; answers recorded: ${recorded}:\n`);
    console.log(resultsTable(rows, mode));
  }
  if (ctx.scaling.length)
    console.log(
      '\nScaling — movies(ids) with W2’s per-film fields, warm:\n\n' +
        markdownTable(
          ctx.scaling.map((s) => ({ ...s })),
          { films: 'films', requestsPerSecond: 'req/s', p50: 'p50 ms', p95: 'p95 ms', p99: 'p99 ms', cpuMsPerOp: 'gateway CPU ms/op' },
        ),
    );
  const w4 = w4Table(samples, rows);
  if (w4) console.log('\n' + w4);
  if (ctx.subscriptions) console.log('\n' + subscriptionsTable(ctx.subscriptions));
  if (ctx.stack) console.log(omdbCallsLine(ctx.stack.omdbCalls));
  if (targets.length) console.log('\nTargets:\n\n' + markdownTable(targets.map((t) => ({ ...t }))));
  console.log(`\nraw results: ${path.relative(process.cwd(), file)} (${out.durationSeconds} s)`);
  if (failed) {
    console.log('\nFAILED: some runs had errors:');
    if (ctx.subscriptions?.errors) console.log(`  subscriptions: ${ctx.subscriptions.errors} errors, e.g. ${ctx.subscriptions.errorSamples[0]}`);
    for (const s of samples.filter((x) => x.errors > 0))
      console.log(`  ${s.mode} round ${s.round} ${s.contender} ${s.workload} ${s.phase}: ${s.errors} errors, e.g. ${s.errorSamples[0]}`);
  }
  return !failed;
}

/** The subscriptions section as one table: memory per connection and fan-out latency. */
function subscriptionsTable(r: SubscriptionsResult): string {
  const n = r.subscribers.sse + r.subscribers.ws;
  return (
    `Subscriptions — ${n} movieActivity subscribers (${r.subscribers.sse} SSE, ${r.subscribers.ws} WebSocket) over ${r.films} films on ${r.contender}, ${r.writes} ratings; latency from each write's answer to each subscriber's event:\n\n` +
    markdownTable(
      [
        {
          rssIdleMb: r.rssIdleMb,
          rssOpenMb: r.rssOpenMb,
          kbPerConnection: r.kbPerConnection,
          events: `${r.received}/${r.expected}`,
          p50: r.latency.p50,
          p99: r.latency.p99,
          max: r.latency.max,
          sse: `${r.latency.sse.p50} / ${r.latency.sse.p99}`,
          ws: `${r.latency.ws.p50} / ${r.latency.ws.p99}`,
          cpu: r.gatewayCpuMsPerEvent,
        },
      ],
      {
        rssIdleMb: 'RSS idle MB',
        rssOpenMb: 'RSS open MB',
        kbPerConnection: 'KB/connection',
        events: 'events received',
        p50: 'p50 ms',
        p99: 'p99 ms',
        max: 'max ms',
        sse: 'SSE p50/p99',
        ws: 'WS p50/p99',
        cpu: 'gateway CPU ms/event',
      },
    )
  );
}

/** One contender's W4 figures over its rounds: reads/s (and as a share of its own W1 warm), and what its readers saw. */
function w4Figures(samples: Sample[], rows: Row[], r: Row) {
  const own = samples.filter((s) => s.contender === r.contender && s.workload.startsWith('W4') && s.extra);
  const sum = (k: string) => own.reduce((a, s) => a + (s.extra![k] ?? 0), 0);
  const w1 = rows.find((x) => x.mode === 'upstream' && x.workload.startsWith('W1') && x.phase === 'warm' && x.contender === r.contender);
  const reads = r.requestsPerSecond * READ_SHARE;
  return {
    reads,
    /** Reads/s over the contender's W1 warm req/s in the same run (undefined: W1 not run). */
    w1Share: w1 ? reads / w1.requestsPerSecond : undefined,
    writes: sum('writes'),
    readsSeen: sum('reads'),
    staleReads: sum('staleReads'),
    // The worst of the rounds: the limit holds for every reader.
    worstMs: Math.max(...own.map((s) => s.extra!.maxStalenessMs ?? 0)),
  };
}

/** W4 per contender: reads/s beside its own W1 warm in the same run, and the staleness readers saw. */
function w4Table(samples: Sample[], rows: Row[]): string {
  const w4 = rows.filter((r) => r.workload.startsWith('W4'));
  if (!w4.length) return '';
  const table = w4.map((r) => {
    const f = w4Figures(samples, rows, r);
    return {
      contender: r.contender,
      requestsPerSecond: r.requestsPerSecond,
      reads: Math.round(f.reads * 10) / 10,
      vsW1: f.w1Share === undefined ? '—' : `${Math.round(f.w1Share * 100)} %`,
      writes: f.writes,
      maxStalenessMs: f.worstMs,
      staleReads: `${f.staleReads} of ${f.readsSeen}`,
    };
  });
  return (
    `W4 browse while others write (anonymous W1, 1 request in 10 a rating of a film on its page), warm; staleness: how long before a read was sent a write it did not show was committed (limit ${STALENESS_LIMIT_MS} ms):\n\n` +
    markdownTable(table, {
      contender: 'contender',
      requestsPerSecond: 'req/s',
      reads: 'reads/s',
      vsW1: 'reads/s vs its W1 warm',
      writes: 'writes',
      maxStalenessMs: 'max staleness ms',
      staleReads: `reads over ${STALENESS_LIMIT_MS} ms stale`,
    })
  );
}

/** Issue #19's W4 goals, on Marquee with its caches (the production defaults). */
function w4Targets(samples: Sample[], rows: Row[]): Target[] {
  const mc = rows.find((r) => r.workload.startsWith('W4') && r.contender === 'marquee+cache');
  if (!mc) return [];
  const f = w4Figures(samples, rows, mc);
  const out: Target[] = [
    {
      target: `W4, marquee+cache: no reader sees a summary more than ${STALENESS_LIMIT_MS} ms after its write committed`,
      measured: `worst ${f.worstMs} ms over ${f.readsSeen} reads`,
      met: f.worstMs <= STALENESS_LIMIT_MS,
    },
  ];
  if (f.w1Share !== undefined)
    out.push({ target: 'W4, marquee+cache: reads/s ≥ 90 % of its W1 warm', measured: `${Math.round(f.w1Share * 100)} %`, met: f.w1Share >= 0.9 });
  return out;
}
