/**
 * Gateway-bound: the same contenders over replaying subgraphs (bench/replay-subgraphs.ts), warm
 * reads only (writes must reach the real subgraphs), so that the gateway, not the real
 * subgraphs' core, is the bottleneck.
 */
import { baseline } from '../contenders';
import type { Harness } from '../harness';
import { load } from '../measure';
import { startReplaySubgraphs } from '../replay-subgraphs';
import { CONNECTIONS, GATEWAY_BOUND_SETTLE_SECONDS, log } from '../settings';
import type { Workload } from '../workloads';
import { requireStack, type SectionContext } from './context';
import { stackWorkloads } from './upstream';

/** Without a response cache: with one, the gateway would not be the thing measured either. */
export const GATEWAY_BOUND_CONTENDERS = [
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
 * Priming that records everything a measured window can send through the replaying subgraphs:
 * the workload's requests as every connection's user (W2's viewer fields make each user's
 * subgraph requests distinct), not only as the primer. Users here depend on the connection only
 * (W3's do not, and W3 never runs gateway-bound).
 */
export function everyConnection(w: Workload, connections: number): { body: string; user: string | null }[] {
  const users = [...new Set(Array.from({ length: connections }, (_, c) => w.user(c, 0)))];
  return w.prime().flatMap((p) => users.map((user) => ({ body: p.body, user })));
}

/** Primes every connection's requests, then unmeasured load so the gateway's JIT is warm. */
export async function primeGatewayBound(harness: Harness, url: string, w: Workload, connections: number): Promise<void> {
  await harness.prime(url, w, everyConnection(w, connections));
  if (GATEWAY_BOUND_SETTLE_SECONDS > 0) await load({ url, workload: w, connections, seconds: GATEWAY_BOUND_SETTLE_SECONDS, token: harness.token });
}

export async function runGatewayBound(ctx: SectionContext): Promise<void> {
  const s = requireStack(ctx, 'gateway-bound');
  const env = s.stack.env;
  const replay = await startReplaySubgraphs({
    movies: env.MOVIES_URL,
    ratings: env.RATINGS_URL,
    notifications: env.NOTIFICATIONS_URL,
    availability: env.AVAILABILITY_URL,
  });
  try {
    const bound = ctx
      .contenders({
        stack: {
          ...env,
          MOVIES_URL: replay.movies.url,
          RATINGS_URL: replay.ratings.url,
          NOTIFICATIONS_URL: replay.notifications.url,
          AVAILABILITY_URL: replay.availability.url,
        },
        rawBodiesFile: s.rawBodiesFile,
      })
      .filter((c) => GATEWAY_BOUND_CONTENDERS.includes(c.name));
    log(
      `gateway-bound: ${bound.map((c) => c.name).join(', ')} over replaying subgraphs (${Object.values(replay)
        .map((r) => r.url)
        .join(', ')})`,
    );
    await ctx.harness.runRounds({
      mode: 'gateway-bound',
      contenders: bound,
      connections: CONNECTIONS,
      workloadsFor: (c) => stackWorkloads(ctx, c).filter((w) => !w.mutation),
      phasesFor: () => ['warm'],
      prime: (_c, url, w) => primeGatewayBound(ctx.harness, url, w, CONNECTIONS),
      replay,
      upstream: s.upstream,
    });
  } finally {
    for (const r of Object.values(replay)) ctx.replay.push({ section: 'gateway-bound', subgraph: r.name, recorded: r.recorded(), ...r.stats });
    await Promise.all(Object.values(replay).map((r) => r.close()));
  }
}
