import type { BaseContext } from '@apollo/server';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { loadSubgraphSdl } from '../schema-files';
import type { Background, SubgraphDefinition } from './definition';
import { orListening, tablesCheck } from './readiness';
import { createKit, type InjectedClients, type KitEnv } from './resources';
import { startSubgraphServer, type RunningServer } from './server';

export interface RunningSubgraph<Bg extends Background = Background> extends RunningServer {
  /** What `background` started, if anything. */
  background?: Bg;
}

/**
 * Starts a declared subgraph: its kit, its setup, its background work, then its server. `stop`
 * drains the server, stops the background work and closes what the kit made, in that order; a
 * start that fails part-way closes what it had made. Injected clients are the caller's to close.
 */
export async function startSubgraph<Cfg extends KitEnv, Deps, Ctx extends BaseContext, Bg extends Background>(
  def: SubgraphDefinition<Cfg, Deps, Ctx, Bg>,
  cfg: Cfg,
  gatewayPublicKey: string,
  injected: InjectedClients = {},
): Promise<RunningSubgraph<Bg>> {
  const { kit, close } = createKit(def.name, cfg, gatewayPublicKey, injected);
  let background: Bg | undefined;
  const shutdown = async () => {
    await background?.stop();
    await close();
  };
  try {
    const deps = await def.setup(kit, cfg);
    background = def.background?.(deps, kit, cfg);
    const tables = def.tables?.(cfg) ?? [];
    const server = await startSubgraphServer<Ctx>({
      name: def.name,
      ...def.ports(cfg),
      typeDefs: loadSubgraphSdl(def.name),
      resolvers: def.resolvers as GraphQLResolverMap<Ctx>,
      gatewayPublicKey,
      production: kit.production,
      logger: kit.logger,
      registry: kit.registry,
      buildContext: (caller, log, liveEvent) => def.context({ caller, log, ...(liveEvent === undefined ? {} : { liveEvent }) }, deps),
      readiness: orListening({ ...(tables.length ? { dynamodb: tablesCheck(kit.dynamodb(), tables) } : {}), ...def.readiness?.(deps) }),
      onShutdown: shutdown,
    });
    return { ...server, background };
  } catch (err) {
    await shutdown();
    throw err;
  }
}
