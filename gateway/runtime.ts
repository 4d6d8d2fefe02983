/**
 * How the gateway process is started in production (the ECS task command, the Dockerfile's CMD)
 * and in the benchmark, so that all three run it alike.
 *
 * The old generation is capped: under load V8 promotes request garbage and, with the default
 * limit, postpones mark-compact until the heap is several times the live set (~45 MB), so RSS
 * climbs to ~290 MB of garbage. With the cap it collects sooner and peaks near 200 MB, a small
 * CPU cost (docs/performance.md). The live set plus the 30 MB query-plan cache stays far below it.
 */
export const GATEWAY_NODE_ARGS = ['--max-old-space-size=160'];
export const GATEWAY_ENTRY = 'dist/gateway/main.js';
