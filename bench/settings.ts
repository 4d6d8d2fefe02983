/**
 * The benchmark's settings, read once from the environment (README's table lists them) and
 * shared by every section.
 */
const num = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);

export const SMOKE = process.argv.includes('--smoke');
export const ROUNDS = SMOKE ? 1 : num('BENCH_ROUNDS', 3);
/** A cold run is the first COLD_REQUESTS_PER_CONNECTION × connections requests after emptying the caches. */
export const COLD_REQUESTS_PER_CONNECTION = SMOKE ? 2 : num('BENCH_COLD_REQUESTS', 8);
export const WARM_SECONDS = SMOKE ? 2 : num('BENCH_SECONDS', 4);
export const SCALING_SECONDS = num('BENCH_SCALING_SECONDS', 3);
export const SCALING_WARMUP_SECONDS = num('BENCH_SCALING_WARMUP_SECONDS', 5);
/** Unmeasured load per workload before the first round: the subgraphs' JIT and DynamoDB Local's JVM keep getting faster for the first minute or so of load. */
export const WARMUP_SECONDS = SMOKE ? 0 : num('BENCH_WARMUP_SECONDS', 30);
export const CONNECTIONS = num('BENCH_CONNECTIONS', 20);
/** The Guild workload's load: 50 virtual users, as the public benchmark's constant run. */
export const GUILD_CONNECTIONS = num('BENCH_GUILD_CONNECTIONS', 50);
export const GATEWAY_CORE = num('BENCH_GATEWAY_CORE', 0);
export const LOAD_CORE = num('BENCH_LOAD_CORE', 1);
/** Comma-separated contender names to run (default: all; Marquee always runs, it is the baseline). */
export const ONLY = process.env.BENCH_CONTENDERS?.split(',').map((s) => s.trim());

/** The subscriptions section: open streams, the films they watch, the writes and their spacing. */
export const SUBSCRIBERS = num('BENCH_SUBSCRIBERS', 2000);
export const SUBSCRIPTION_FILMS = num('BENCH_SUBSCRIPTION_FILMS', 20);
export const SUBSCRIPTION_WRITES = num('BENCH_SUBSCRIPTION_WRITES', 60);
export const WRITE_INTERVAL_MS = num('BENCH_SUBSCRIPTION_WRITE_INTERVAL_MS', 250);

export const ALL_SECTIONS = ['upstream', 'w4', 'gateway-bound', 'scaling', 'guild', 'subscriptions'] as const;
export type SectionName = (typeof ALL_SECTIONS)[number];
/** Which parts run: upstream (the real stack), w4 (browse while others write, on the real stack), gateway-bound (replaying subgraphs), scaling, guild (The Guild's workload), subscriptions. */
export const SECTIONS = (process.env.BENCH_SECTIONS ?? ALL_SECTIONS.join(',')).split(',').map((s) => s.trim()) as SectionName[];
for (const s of SECTIONS) if (!(ALL_SECTIONS as readonly string[]).includes(s)) throw new Error(`BENCH_SECTIONS: unknown section ${s}`);

/**
 * Unmeasured load just before a gateway-bound run: there the gateway is the bottleneck, so its
 * JIT warming up during the window would be measured too (W1 is primed with a single request).
 * 2 s was too short: Marquee's W1 measured ~20 % lower than in a separate A/B run with more load first.
 */
export const GATEWAY_BOUND_SETTLE_SECONDS = SMOKE ? 0 : 6;

export const log = (msg: string) => console.error(`[bench] ${msg}`);
