import type { BaseContext } from '@apollo/server';
import { ConfigError } from '../config';
import { createLogger } from '../logger';
import { resolveGatewayKey, stopOnSignals } from '../startup';
import type { Background, SubgraphDefinition } from './definition';
import type { KitEnv } from './resources';
import { startSubgraph } from './start';

/**
 * A subgraph process (subgraphs/<name>/main.ts): load and validate its config (one clear line
 * and exit 1 on a bad value), start it, and stop it gracefully on SIGTERM.
 */
export function runSubgraph<Cfg extends KitEnv & { GATEWAY_PUBLIC_KEY?: string }, Deps, Ctx extends BaseContext, Bg extends Background>(
  def: SubgraphDefinition<Cfg, Deps, Ctx, Bg>,
  load: () => Cfg,
): void {
  (async () => {
    const cfg = load();
    const server = await startSubgraph(def, cfg, resolveGatewayKey('GATEWAY_PUBLIC_KEY', cfg.GATEWAY_PUBLIC_KEY));
    stopOnSignals(server, createLogger(def.name, cfg.LOG_LEVEL));
  })().catch((err) => {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exit(1);
  });
}
