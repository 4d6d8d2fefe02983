/**
 * The subgraph kit: a subgraph declares itself (defineSubgraph) and the kit runs it. See
 * docs/architecture.md, "Adding a subgraph".
 */
export { defineSubgraph, type Background, type RequestScope, type SubgraphDefinition } from './definition';
export type { InjectedClients, Kit, KitEnv } from './resources';
export type { ReadinessChecks } from './readiness';
export { runSubgraph } from './run';
export type { RunningServer } from './server';
export { startSubgraph, type RunningSubgraph } from './start';
