/**
 * Turns the samples of all rounds into the table (medians per workload, phase and contender,
 * with ratios to Marquee) and checks the targets against it.
 */
import { median, round, type LoadResult } from './measure';

/** One measured run: what the load generator saw, plus what was read around it. */
export interface Sample extends Omit<LoadResult, 'max'> {
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
}

export interface Row {
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
    const key = `${s.workload}|${s.phase}|${s.contender}`;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  const rows: Row[] = [];
  for (const group of groups.values()) {
    const s0 = group[0];
    const med = (f: (s: Sample) => number) => round(median(group.map(f)), 2);
    rows.push({
      workload: s0.workload,
      phase: s0.phase,
      contender: s0.contender,
      dedupe: s0.dedupe,
      rounds: group.length,
      requestsPerSecond: round(med((s) => s.requestsPerSecond), 1),
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
      tmdbPer1000: round(med((s) => s.tmdbPer1000), 1),
      dynamoPerOp: med((s) => s.dynamoPerOp),
    });
  }
  for (const r of rows) {
    const baselineName = samples.find((s) => s.contender === r.contender)!.baseline;
    const b = rows.find((x) => x.workload === r.workload && x.phase === r.phase && x.contender === baselineName);
    if (!b) continue;
    r.vsMarquee = b.requestsPerSecond ? round(r.requestsPerSecond / b.requestsPerSecond, 2) : null;
    r.cpuVsMarquee = r.cpuMsPerOp ? round(b.cpuMsPerOp / r.cpuMsPerOp, 2) : null;
  }
  const order = (r: Row) => `${r.workload}|${r.phase === 'cold' ? 0 : 1}`;
  const contenderOrder = [...new Set(samples.map((s) => s.contender))];
  return rows.sort((a, b) => order(a).localeCompare(order(b)) || contenderOrder.indexOf(a.contender) - contenderOrder.indexOf(b.contender));
}

/** The targets, checked against the medians. */
export function checkTargets(rows: Row[]): Target[] {
  const get = (workload: string, phase: string, contender: string) => rows.find((r) => r.workload.startsWith(workload) && r.phase === phase && r.contender === contender);
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
          target: `${w} ${phase}, dedup off, no response cache: Marquee ≥ 1.5× stock @apollo/gateway`,
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
          target: `${w} ${phase}, dedup on: Marquee ≥ Hive Gateway + Rust planner`,
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
          target: `${w} ${phase}, response cache on: Marquee far above both peers (read as ≥ 2× the best)`,
          measured: `${rps}× the best peer (${best.contender})`,
          met: rps !== null && rps >= 2,
        });
      }
    }
  }
  const marqueeRss = rows.filter((r) => r.contender.startsWith('marquee')).map((r) => r.peakRssMb);
  if (marqueeRss.length) {
    const peak = Math.max(...marqueeRss);
    targets.push({ target: 'Marquee gateway peak RSS < 200 MB', measured: `${peak} MB (highest VmHWM of any Marquee run)`, met: peak < 200 });
  }
  return targets;
}

export function markdownTable(rows: Record<string, unknown>[], headers?: Record<string, string>): string {
  if (!rows.length) return '';
  const cols = Object.keys(rows[0]);
  const head = cols.map((c) => headers?.[c] ?? c);
  const cell = (v: unknown) => (v === null || v === undefined ? '—' : typeof v === 'boolean' ? (v ? 'yes' : '**no**') : String(v));
  return [`| ${head.join(' | ')} |`, `| ${cols.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${cols.map((c) => cell(r[c])).join(' | ')} |`)].join('\n');
}

export function resultsTable(rows: Row[]): string {
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
      up: r.upstreamCpuMsPerOp,
      rss: r.peakRssMb,
      tmdb: r.tmdbPer1000,
      ddb: r.dynamoPerOp,
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
      up: 'upstream CPU ms/op',
      rss: 'peak RSS MB',
      tmdb: 'TMDB req / 1k ops',
      ddb: 'DynamoDB calls / op',
    },
  );
}
