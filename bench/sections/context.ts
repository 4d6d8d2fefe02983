/** What a section is given, and where it leaves what is not a sample. */
import type { Contender, ContenderEnv } from '../contenders';
import type { Harness } from '../harness';
import type { ScalingRow } from '../report';
import type { StackRun } from '../stack-run';
import type { SubscriptionsResult } from './subscriptions';

export interface ReplayRecord {
  section: string;
  subgraph: string;
  recorded: number;
  hits: number;
  misses: number;
}

export interface SectionContext {
  harness: Harness;
  /** The contenders this run measures (BENCH_CONTENDERS, --smoke) over the given environment. */
  contenders(env: ContenderEnv): Contender[];
  /** The run's Redis (the stack's, and the gateways' without one). */
  redisUrl: string;
  /** The real stack; absent when no selected section needs it. */
  stack?: StackRun;
  scaling: ScalingRow[];
  replay: ReplayRecord[];
  /** The subscriptions section's figures (one contender, one run). */
  subscriptions?: SubscriptionsResult;
  /** Section-specific settings, written with the results. */
  settings: Record<string, unknown>;
}

/** A section needs the real stack and not only the run's Redis. */
export function requireStack(ctx: SectionContext, section: string): StackRun {
  if (!ctx.stack) throw new Error(`section ${section} needs the stack`);
  return ctx.stack;
}
