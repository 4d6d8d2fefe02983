/**
 * Turns the samples of all rounds into the tables (medians per setup, workload, phase and
 * contender, with ratios to Marquee) and checks the targets against them.
 */
import { median, round, type LoadResult } from './measure';

/**
 * upstream: the contenders call the real subgraphs (end to end, bound by the subgraphs' core);
 * gateway-bound: they call replaying subgraphs (bench/replay-subgraphs.ts), so the gateway is the bottleneck;
 * guild: The Guild's gateways-benchmark supergraph (bench/guild/), over replaying subgraphs too.
 */
export type Mode = 'upstream' | 'gateway-bound' | 'guild';
const MODES: Mode[] = ['upstream', 'gateway-bound', 'guild'];

/** One measured run: what the load generator saw, plus what was read around it. */
export interface Sample extends Omit<LoadResult, 'max'> {
  mode: Mode;
  round: number;
  contender: string;
  baseline: string;
  dedupe: string;
  workload: string;
  phase: 'cold' | 'warm';
  /** Gateway CPU time (user + system, all threads) per operation. */
  cpuMsPerOp: number;
  /** CPU time per operation of everything else on the machine that the harness started: subgraphs, DynamoDB Local, Redis, the SNS stand-in, the load generator and local TMDB. */
  upstreamCpuMsPerOp: number;
  /** VmHWM of the gateway process (and descendants) at the end of the run. */
  peakRssMb: number;
  tmdbPer1000: number;
  dynamoPerOp: number;
  /** Share of subgraph requests answered from memory during the run (gateway-bound only). */
  replayHitRatio: number | null;
  /** The workload's own figures (W4: reads, writes, staleness). */
  extra?: Record<string, number>;
}

export interface Row {
  mode: Mode;
  workload: string;
  phase: string;
  contender: string;
  dedupe: string;
  rounds: number;
  requestsPerSecond: number;
  /** The lowest and highest requests/s of the rounds: how much to trust a ratio. */
  requestsPerSecondRange: [number, number];
  /** This contender's requests/s divided by its baseline's (Marquee with the same deduplication setting). */
  vsMarquee: number | null;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
  cpuMsPerOp: number;
  /** Gateway CPU per operation of the baseline divided by this one's: >1 means this one does the work with less CPU. */
  cpuVsMarquee: number | null;
  upstreamCpuMsPerOp: number;
  peakRssMb: number;
  tmdbPer1000: number;
  dynamoPerOp: number;
  /** The lowest of the rounds: one replay miss would put the real subgraphs back in the measure. */
  replayHitRatio: number | null;
}

export interface ScalingRow {
  contender: string;
  films: number;
  requestsPerSecond: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
  cpuMsPerOp: number;
}

export interface Target {
  target: string;
  measured: string;
  met: boolean | null;
}

export function aggregate(samples: Sample[]): Row[] {
  const groups = new Map<string, Sample[]>();
  for (const s of samples) {
    const key = `${s.mode}|${s.workload}|${s.phase}|${s.contender}`;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  const rows: Row[] = [];
  for (const group of groups.values()) {
    const s0 = group[0];
    const med = (f: (s: Sample) => number) => round(median(group.map(f)), 2);
    const hitRatios = group.map((s) => s.replayHitRatio).filter((x): x is number => x !== null);
    rows.push({
      mode: s0.mode,
      workload: s0.workload,
      phase: s0.phase,
      contender: s0.contender,
      dedupe: s0.dedupe,
      rounds: group.length,
      requestsPerSecond: round(
        med((s) => s.requestsPerSecond),
        1,
      ),
      requestsPerSecondRange: [Math.min(...group.map((s) => s.requestsPerSecond)), Math.max(...group.map((s) => s.requestsPerSecond))],
      vsMarquee: null,
      p50: med((s) => s.p50),
      p95: med((s) => s.p95),
      p99: med((s) => s.p99),
      errors: group.reduce((a, s) => a + s.errors, 0),
      cpuMsPerOp: med((s) => s.cpuMsPerOp),
      cpuVsMarquee: null,
      upstreamCpuMsPerOp: med((s) => s.upstreamCpuMsPerOp),
      peakRssMb: Math.max(...group.map((s) => s.peakRssMb)),
      tmdbPer1000: round(
        med((s) => s.tmdbPer1000),
        1,
      ),
      dynamoPerOp: med((s) => s.dynamoPerOp),
      replayHitRatio: hitRatios.length ? Math.min(...hitRatios) : null,
    });
  }
  for (const r of rows) {
    const baselineName = samples.find((s) => s.contender === r.contender)!.baseline;
    const b = rows.find((x) => x.mode === r.mode && x.workload === r.workload && x.phase === r.phase && x.contender === baselineName);
    if (!b) continue;
    r.vsMarquee = b.requestsPerSecond ? round(r.requestsPerSecond / b.requestsPerSecond, 2) : null;
    r.cpuVsMarquee = r.cpuMsPerOp ? round(b.cpuMsPerOp / r.cpuMsPerOp, 2) : null;
  }
  const order = (r: Row) => `${MODES.indexOf(r.mode)}|${r.workload}|${r.phase === 'cold' ? 0 : 1}`;
  const contenderOrder = [...new Set(samples.map((s) => s.contender))];
  return rows.sort((a, b) => order(a).localeCompare(order(b)) || contenderOrder.indexOf(a.contender) - contenderOrder.indexOf(b.contender));
}

const MODE_LABEL: Record<Mode, string> = { upstream: 'upstream-bound', 'gateway-bound': 'gateway-bound', guild: 'guild' };

/**
 * The targets, checked against the medians. The requests/s targets are checked on both
 * setups, labelled: the issue set them on a gateway-bound setup, the upstream rows are the end-to-end truth.
 */
export function checkTargets(rows: Row[]): Target[] {
  const targets: Target[] = [];
  for (const mode of ['upstream', 'gateway-bound'] as const)
    targets.push(
      ...requestTargets(
        rows.filter((r) => r.mode === mode),
        MODE_LABEL[mode],
      ),
    );
  const marqueeRuns = rows.filter((r) => r.contender.startsWith('marquee'));
  if (marqueeRuns.length) {
    const peak = marqueeRuns.reduce((a, b) => (b.peakRssMb > a.peakRssMb ? b : a));
    targets.push({
      target: 'Marquee gateway peak RSS < 200 MB',
      measured: `${peak.peakRssMb} MB (highest VmHWM of any Marquee run: ${peak.contender}, ${MODE_LABEL[peak.mode]})`,
      met: peak.peakRssMb < 200,
    });
  }
  return targets;
}

/** The requests/s targets on the rows of one setup. */
function requestTargets(rows: Row[], label: string): Target[] {
  const get = (workload: string, phase: string, contender: string) =>
    rows.find((r) => r.workload.startsWith(workload) && r.phase === phase && r.contender === contender);
  const targets: Target[] = [];
  const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b ? round(a / b, 2) : null);
  for (const w of ['W1', 'W2']) {
    for (const phase of ['cold', 'warm']) {
      const m = get(w, phase, 'marquee');
      const stock = get(w, phase, 'apollo-gateway');
      if (m && stock) {
        const rps = ratio(m.requestsPerSecond, stock.requestsPerSecond);
        const cpu = ratio(stock.cpuMsPerOp, m.cpuMsPerOp);
        targets.push({
          target: `${label}: ${w} ${phase}, dedup off, no response cache: Marquee ≥ 1.5× stock @apollo/gateway`,
          measured: `${rps}× requests/s; ${cpu}× less gateway CPU per operation`,
          met: rps !== null && rps >= 1.5,
        });
      }
      const md = get(w, phase, 'marquee+dedupe');
      const rust = get(w, phase, 'hive-rust+dedupe');
      if (md && rust) {
        const rps = ratio(md.requestsPerSecond, rust.requestsPerSecond);
        const cpu = ratio(rust.cpuMsPerOp, md.cpuMsPerOp);
        targets.push({
          target: `${label}: ${w} ${phase}, dedup on: Marquee ≥ Hive Gateway + Rust planner`,
          measured: `${rps}× requests/s; ${cpu}× less gateway CPU per operation`,
          met: rps !== null && rps >= 1,
        });
      }
      const mc = get(w, phase, 'marquee+cache');
      const peers = ['apollo-gateway', 'hive+dedupe', 'hive-rust+dedupe'].map((p) => get(w, phase, p)).filter((r): r is Row => !!r);
      if (mc && peers.length) {
        const best = peers.reduce((a, b) => (b.requestsPerSecond > a.requestsPerSecond ? b : a));
        const rps = ratio(mc.requestsPerSecond, best.requestsPerSecond);
        targets.push({
          target: `${label}: ${w} ${phase}, response cache on: Marquee far above both peers (read as ≥ 2× the best)`,
          measured: `${rps}× the best peer (${best.contender})`,
          met: rps !== null && rps >= 2,
        });
      }
    }
  }
  return targets;
}

export function markdownTable(rows: Record<string, unknown>[], headers?: Record<string, string>): string {
  if (!rows.length) return '';
  const cols = Object.keys(rows[0]);
  const head = cols.map((c) => headers?.[c] ?? c);
  const cell = (v: unknown) =>
    v === null || v === undefined
      ? '—'
      : typeof v === 'boolean'
        ? v
          ? 'yes'
          : '**no**'
        : typeof v === 'string' || typeof v === 'number'
          ? String(v)
          : JSON.stringify(v);
  return [`| ${head.join(' | ')} |`, `| ${cols.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${cols.map((c) => cell(r[c])).join(' | ')} |`)].join(
    '\n',
  );
}

/** The table of one setup. Gateway-bound rows add how busy the gateway's core was and how many subgraph requests were replayed. */
export function resultsTable(allRows: Row[], mode: Mode = 'upstream'): string {
  const rows = allRows.filter((r) => r.mode === mode);
  const gatewayBound = mode !== 'upstream';
  return markdownTable(
    rows.map((r) => ({
      workload: r.workload,
      phase: r.phase,
      contender: r.contender,
      dedupe: r.dedupe,
      rps: r.requestsPerSecond,
      range: r.rounds > 1 ? `${r.requestsPerSecondRange[0]}–${r.requestsPerSecondRange[1]}` : null,
      vs: r.vsMarquee,
      p50: r.p50,
      p95: r.p95,
      p99: r.p99,
      errors: r.errors,
      cpu: r.cpuMsPerOp,
      cpuVs: r.cpuVsMarquee,
      ...(gatewayBound ? { busy: round((r.cpuMsPerOp * r.requestsPerSecond) / 10, 0) } : {}),
      up: r.upstreamCpuMsPerOp,
      rss: r.peakRssMb,
      tmdb: r.tmdbPer1000,
      ddb: r.dynamoPerOp,
      ...(gatewayBound ? { hits: r.replayHitRatio === null ? null : round(r.replayHitRatio * 100, 2) } : {}),
    })),
    {
      rps: 'req/s',
      range: 'req/s range',
      vs: 'req/s × Marquee',
      p50: 'p50 ms',
      p95: 'p95 ms',
      p99: 'p99 ms',
      cpu: 'gateway CPU ms/op',
      cpuVs: 'CPU efficiency × Marquee',
      busy: 'gateway core busy %',
      // Gateway-bound, "upstream" is the replaying subgraphs and the load generator (this process) plus the idle stack.
      up: gatewayBound ? 'harness + stack CPU ms/op' : 'upstream CPU ms/op',
      rss: 'peak RSS MB',
      tmdb: 'TMDB req / 1k ops',
      ddb: 'DynamoDB calls / op',
      hits: 'replay hits %',
    },
  );
}
