import type { BaseContext } from '@apollo/server';
import type { Caller } from '../identity';
import type { Logger } from '../logger';
import type { SubgraphName } from '../schema-files';
import type { ReadinessChecks } from './readiness';
import type { Kit, KitEnv } from './resources';

/** What every request context starts from. */
export interface RequestScope {
  caller: Caller;
  /** The process logger with the request's id and user on every line. */
  log: Logger;
  /**
   * The live event a subscription's primary fetch resolves (`extensions.marqueeLiveEvent` of a
   * single, unbatched operation from the gateway; docs/live.md); unset for anything else.
   */
  liveEvent?: unknown;
}

/** Work a subgraph runs beside its server (the notifications relay); stopped first at shutdown. */
export interface Background {
  stop(): Promise<void>;
}

/**
 * A subgraph, declared: what it is and what it needs. The kit (startSubgraph) does the rest
 * the same way for every subgraph: logger, metrics, clients, server, health, readiness and
 * shutdown.
 *
 * - `Cfg`: its zod-validated config (subgraphs/<name>/config.ts).
 * - `Deps`: what `setup` builds once per process (stores, clients) and every request shares.
 * - `Ctx`: the request context `context` builds from them (codegen's `contextType`).
 */
export interface SubgraphDefinition<Cfg extends KitEnv, Deps, Ctx extends BaseContext, Bg extends Background = Background> {
  /** Its schema is schema/<name>.graphql; also the gateway's audience, the logs' `service` and the metrics' label. */
  name: SubgraphName;
  /** Codegen's `Resolvers` (subgraphs/<name>/generated/resolvers.ts) for the subgraph's SDL. */
  resolvers: Record<string, unknown>;
  ports(cfg: Cfg): { port: number; metricsPort: number };
  /** Builds the process's stores and clients; what it asks `kit` for, the kit closes at shutdown. */
  setup(kit: Kit, cfg: Cfg): Deps | Promise<Deps>;
  /** One per request (a batch of operations shares one): DataLoaders live here. */
  context(request: RequestScope, deps: Deps): Ctx;
  /** DynamoDB tables /ready describes (check `dynamodb`). */
  tables?(cfg: Cfg): string[];
  /** Further named readiness checks. With neither these nor tables, ready once listening. */
  readiness?(deps: Deps): ReadinessChecks;
  /** Started after setup, before the server listens; its `stop` runs once the server has drained. */
  background?(deps: Deps, kit: Kit, cfg: Cfg): Bg | undefined;
}

/** Only types the declaration: `defineSubgraph({...})` infers Cfg, Deps and Ctx from it. */
export function defineSubgraph<Cfg extends KitEnv, Deps, Ctx extends BaseContext, Bg extends Background = Background>(
  def: SubgraphDefinition<Cfg, Deps, Ctx, Bg>,
): SubgraphDefinition<Cfg, Deps, Ctx, Bg> {
  return def;
}
