/** Scaling: W2's per-film fields for 20, 50 and 100 films in one request (movies(ids)), warm. */
import type { Workload } from '../workloads';
import { scalingWorkload } from '../workloads';
import { load, median, round } from '../measure';
import type { ScalingRow } from '../report';
import { rotate } from '../harness';
import { CONNECTIONS, ROUNDS, SCALING_SECONDS, SCALING_WARMUP_SECONDS, log } from '../settings';
import { requireStack, type SectionContext } from './context';

const SCALING_CONTENDERS = ['marquee', 'apollo-gateway', 'hive-rust'];

/** Unmeasured load on the stack, through the first contender. */
export async function warmUp(ctx: SectionContext, what: string, ws: Workload[], seconds: number): Promise<void> {
  const s = requireStack(ctx, 'warm-up');
  const [first] = ctx.contenders({ stack: s.stack.env, rawBodiesFile: s.rawBodiesFile });
  await ctx.harness.withContender(first, async (running) => {
    for (const w of ws) {
      log(`warming up the stack${what}: ${w.name}, ${seconds} s`);
      await load({ url: running.url, workload: w, connections: CONNECTIONS, seconds, token: ctx.harness.token });
    }
  });
}

export async function runScaling(ctx: SectionContext): Promise<void> {
  const s = requireStack(ctx, 'scaling');
  const list = ctx.contenders({ stack: s.stack.env, rawBodiesFile: s.rawBodiesFile }).filter((x) => SCALING_CONTENDERS.includes(x.name));
  const sizes = [20, 50, 100].map((n) => ({ n, w: scalingWorkload(s.ids, n) }));
  // The stack has not served these larger operations yet (the gateway-bound section hardly
  // touches it): unmeasured, or whichever contender runs first pays the subgraphs' warm-up
  // (measured: ~40 % lower requests/s for the first of three identical runs).
  if (SCALING_WARMUP_SECONDS > 0)
    await warmUp(
      ctx,
      ' for scaling',
      sizes.map((x) => x.w),
      SCALING_WARMUP_SECONDS,
    );
  // Single runs here swing by a third on this machine: ROUNDS rounds, rotated, medians.
  const runs: ScalingRow[] = [];
  for (let round_ = 0; round_ < ROUNDS; round_++) {
    for (const [i, { n, w }] of sizes.entries()) {
      for (const c of rotate(list, i + round_)) {
        await ctx.harness.withContender(c, async (running) => {
          await ctx.harness.prime(running.url, w);
          const m = await ctx.harness.measure(running, w, { seconds: SCALING_SECONDS }, { connections: CONNECTIONS, upstream: s.upstream });
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
      ctx.scaling.push({
        contender: c.name,
        films: n,
        requestsPerSecond: med((r) => r.requestsPerSecond),
        p50: med((r) => r.p50),
        p95: med((r) => r.p95),
        p99: med((r) => r.p99),
        errors: of.reduce((a, r) => a + r.errors, 0),
        cpuMsPerOp: med((r) => r.cpuMsPerOp),
      });
    }
  }
}
