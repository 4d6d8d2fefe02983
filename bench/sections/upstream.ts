/** Upstream-bound: every contender over the real stack, cold (after FLUSHALL) and warm. */
import type { Contender } from '../contenders';
import { CONNECTIONS, SMOKE } from '../settings';
import { requireStack, type SectionContext } from './context';

/** The workloads a contender runs over the real stack: writes only where its setting can differ. */
export function stackWorkloads(ctx: SectionContext, c: Contender) {
  const s = requireStack(ctx, 'upstream');
  return SMOKE ? s.workloads.slice(0, 1) : s.workloads.filter((w) => !w.mutation || c.writes);
}

export async function runUpstream(ctx: SectionContext): Promise<void> {
  const s = requireStack(ctx, 'upstream');
  await ctx.harness.runRounds({
    mode: 'upstream',
    contenders: ctx.contenders({ stack: s.stack.env, rawBodiesFile: s.rawBodiesFile }),
    connections: CONNECTIONS,
    workloadsFor: (c) => stackWorkloads(ctx, c),
    // The raw server has no caches: only its warm figure means anything, and it needs no priming.
    phasesFor: (c) => (c.name === 'raw node:http' ? ['warm'] : ['cold', 'warm']),
    flush: () => s.flush(),
    prime: (c, url, w) => (c.name === 'raw node:http' ? Promise.resolve() : ctx.harness.prime(url, w)),
    upstream: s.upstream,
  });
}
