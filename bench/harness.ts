/**
 * What every section measures with: a contender started pinned and stopped whatever happens, one
 * measured window (requests, latencies, gateway CPU and peak RSS, what was called upstream), and
 * rounds that interleave the contenders (A B C, B C A, …) so that none always runs first.
 */
import { findFreePort } from '../local/processes';
import { startContender, type Contender, type Running } from './contenders';
import { cpuMs, load, peakRssMb, round } from './measure';
import { replayTotals, type ReplayStats, type ReplaySubgraph } from './replay-subgraphs';
import type { Mode, Sample } from './report';
import { COLD_REQUESTS_PER_CONNECTION, GATEWAY_CORE, ROUNDS, WARM_SECONDS, log } from './settings';
import type { Workload } from './workloads';

export type Phase = 'cold' | 'warm';
export type Replay = Record<string, ReplaySubgraph>;

/** The real stack's calls during a window (TMDB, DynamoDB): `begin` before, its result after. */
export interface UpstreamProbe {
  /** Waits until background work (the notifications relay) is back to idle. */
  quiesce(): Promise<void>;
  begin(): Promise<(elapsedSeconds: number, ops: number) => Promise<{ tmdbPer1000: number; dynamoPerOp: number }>>;
}

export interface Measured {
  r: Awaited<ReturnType<typeof load>>;
  replayHitRatio: number | null;
  cpuMsPerOp: number;
  upstreamCpuMsPerOp: number;
  peakRssMb: number;
  tmdbPer1000: number;
  dynamoPerOp: number;
  /** The workload's own figures for the window (Workload.stats). */
  extra?: Record<string, number>;
}

/** One section's rounds: who runs what, in which phases, primed how. */
export interface Rounds {
  mode: Mode;
  contenders: Contender[];
  connections: number;
  workloadsFor(c: Contender): Workload[];
  phasesFor(c: Contender): Phase[];
  /** Before a cold run (empty the caches). */
  flush?(): Promise<void>;
  /** Before a warm run. */
  prime(c: Contender, url: string, w: Workload): Promise<void>;
  replay?: Replay;
  upstream?: UpstreamProbe;
}

/** Share of the subgraph requests between two readings that were answered from memory (null: there were none). */
function hitRatio(before: ReplayStats, after: ReplayStats): number | null {
  const hits = after.hits - before.hits;
  const all = hits + after.misses - before.misses;
  return all ? round(hits / all, 4) : null;
}

/** The list started at position `shift` and wrapped (A B C, B C A, C A B, …): no contender always runs first. */
export function rotate<T>(list: T[], shift: number): T[] {
  const k = shift % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}

export class Harness {
  readonly samples: Sample[] = [];

  constructor(
    readonly pin: boolean,
    readonly token: (user: string) => string,
  ) {}

  /** Starts the contender pinned to the gateway core, runs `work` against it, stops it whatever happens. */
  async withContender(c: Contender, work: (running: Running) => Promise<void>): Promise<void> {
    const running = await startContender(c, await findFreePort(), this.pin ? GATEWAY_CORE : null);
    try {
      await work(running);
    } finally {
      await running.stop();
    }
  }

  /** Sends each request once (8 at a time), unmeasured. */
  async prime(url: string, w: Workload, requests = w.prime()): Promise<void> {
    const queue = [...requests];
    const worker = async () => {
      for (let p = queue.shift(); p; p = queue.shift()) {
        await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(p.user ? { authorization: `Bearer ${this.token(p.user)}` } : {}) },
          body: p.body,
        }).then((r) => r.text());
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
  }

  /** One measured window against a running contender. */
  async measure(
    running: Running,
    w: Workload,
    length: { seconds: number } | { amount: number },
    opts: { connections: number; replay?: Replay; upstream?: UpstreamProbe },
  ): Promise<Measured> {
    await opts.upstream?.quiesce();
    const replay0 = opts.replay && replayTotals(opts.replay);
    const end = await opts.upstream?.begin();
    const cpu0 = cpuMs(running.pid);
    // Everything else we started (subgraphs, DynamoDB Local, Redis, SNS stand-in) and ourselves
    // (load generator, local TMDB): what the gateway's way of calling subgraphs costs upstream.
    const rest0 = cpuMs(process.pid) - cpu0;
    const t0 = Date.now();
    w.reset?.();
    const r = await load({ url: running.url, workload: w, connections: opts.connections, token: this.token, ...length });
    const extra = w.stats?.();
    const cpu1 = cpuMs(running.pid);
    const cpu = cpu1 - cpu0;
    const rest = cpuMs(process.pid) - cpu1 - rest0;
    const ops = Math.max(1, r.requests);
    const calls = end ? await end((Date.now() - t0) / 1000, ops) : { tmdbPer1000: 0, dynamoPerOp: 0 };
    return {
      r,
      replayHitRatio: replay0 && opts.replay ? hitRatio(replay0, replayTotals(opts.replay)) : null,
      cpuMsPerOp: round(cpu / ops, 3),
      upstreamCpuMsPerOp: round(rest / ops, 3),
      peakRssMb: peakRssMb(running.pid),
      ...calls,
      ...(extra ? { extra } : {}),
    };
  }

  /** ROUNDS rounds of the section, interleaved and rotated; every window becomes a sample. */
  async runRounds(section: Rounds): Promise<void> {
    for (let round_ = 1; round_ <= ROUNDS; round_++) {
      for (const c of rotate(section.contenders, round_ - 1)) {
        await this.withContender(c, async (running) => {
          for (const w of section.workloadsFor(c)) {
            for (const phase of section.phasesFor(c)) {
              if (phase === 'cold') await section.flush?.();
              else await section.prime(c, running.url, w);
              const m = await this.measure(
                running,
                w,
                phase === 'cold' ? { amount: COLD_REQUESTS_PER_CONNECTION * section.connections } : { seconds: WARM_SECONDS },
                section,
              );
              this.record(section.mode, round_, c, w, phase, m);
            }
          }
        });
      }
    }
  }

  private record(mode: Mode, round_: number, c: Contender, w: Workload, phase: Phase, m: Measured): void {
    const { max: _max, ...r } = m.r;
    this.samples.push({
      mode,
      round: round_,
      contender: c.name,
      baseline: c.baseline,
      dedupe: c.dedupe,
      workload: w.name,
      phase,
      ...r,
      cpuMsPerOp: m.cpuMsPerOp,
      upstreamCpuMsPerOp: m.upstreamCpuMsPerOp,
      peakRssMb: m.peakRssMb,
      tmdbPer1000: m.tmdbPer1000,
      dynamoPerOp: m.dynamoPerOp,
      replayHitRatio: m.replayHitRatio,
      ...(m.extra ? { extra: m.extra } : {}),
    });
    const hits = m.replayHitRatio === null ? '' : `, replay hits ${round(m.replayHitRatio * 100, 2)} %`;
    log(
      `${mode} round ${round_} ${c.name} ${w.id} ${phase}: ${m.r.requestsPerSecond} req/s, p99 ${m.r.p99} ms, ${m.cpuMsPerOp} CPU ms/op (${m.upstreamCpuMsPerOp} upstream), ${m.peakRssMb} MB, errors ${m.r.errors}${hits}` +
        (m.extra ? ` ${JSON.stringify(m.extra)}` : '') +
        (m.r.errors ? ` e.g. ${m.r.errorSamples[0]}` : ''),
    );
    if (m.replayHitRatio !== null && m.replayHitRatio < 0.99)
      log(`WARNING: only ${round(m.replayHitRatio * 100, 2)} % of ${c.name}'s subgraph requests were replayed: the real subgraphs were part of this run`);
  }
}
