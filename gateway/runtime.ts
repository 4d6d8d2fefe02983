/**
 * How the gateway process is started in production (the ECS task command, the Dockerfile's CMD)
 * and in the benchmark, so that all three run it alike.
 *
 * The old generation is capped: under load V8 promotes request garbage and, with the default
 * limit, postpones mark-compact until the heap is several times the live set (~45 MB), so RSS
 * climbs to ~290 MB of garbage. With the cap it collects sooner and peaks near 200 MB, a small
 * CPU cost (docs/performance.md). The live set plus the 30 MB query-plan cache stays far below it.
 *
 * The young generation is pinned too: since Node 22, V8 sizes the semi-spaces from the memory it
 * sees (this 24 GiB machine: 64 MiB each, heap limit 352 MiB with the 160 MiB cap; Node 20: 16 MiB,
 * 208 MiB), so the same image would have a different heap shape on every task size and in the
 * benchmark. 16 MiB is what Node 20 chose here. Without the pin, under load, the collector took
 * 40–49 % of the gateway's CPU (5–6× the CPU per operation of Node 20: docs/performance.md).
 */
export const GATEWAY_NODE_ARGS = ['--max-old-space-size=160', '--max-semi-space-size=16'];
export const GATEWAY_ENTRY = 'dist/gateway/main.js';

/**
 * How long the gateway keeps an idle HTTP connection open: above the ALB's idle timeout
 * (deploy/lib/services-spec.ts), so the ALB never reuses a socket the gateway is closing.
 */
export const GATEWAY_KEEP_ALIVE_TIMEOUT_MS = 61_000;
