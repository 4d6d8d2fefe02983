import { ConfigError } from './config';
import { createLogger, type Logger } from './logger';

/**
 * GATEWAY_SECRET signs the gateway→subgraph identity header. Production requires it (checked by
 * each config); local mode's launcher generates one per run and passes it to all four processes.
 */
export function resolveGatewaySecret(cfg: { GATEWAY_SECRET?: string }): string {
  if (!cfg.GATEWAY_SECRET) {
    throw new ConfigError('GATEWAY_SECRET is not set: start everything with `npm start`, or set the same GATEWAY_SECRET (32+ characters) for the gateway and every subgraph');
  }
  return cfg.GATEWAY_SECRET;
}

/** SIGTERM/SIGINT: drain in-flight requests, close clients, exit. ECS stops tasks with SIGTERM. */
export function stopOnSignals(server: { stop(): Promise<void> }, logger: Logger): void {
  const handler = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'shutting down');
    server
      .stop()
      .then(() => process.exit(0))
      .catch((err) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.once('SIGTERM', handler);
  process.once('SIGINT', handler);
}

/**
 * A subgraph process: load and validate its config (one clear line and exit 1 on a bad value),
 * start it, and stop it gracefully on SIGTERM.
 */
export function runSubgraph<C extends { LOG_LEVEL: string; GATEWAY_SECRET?: string }>(
  name: string,
  load: () => C,
  start: (cfg: C, gatewaySecret: string) => Promise<{ stop(): Promise<void> }>,
): void {
  (async () => {
    const cfg = load();
    const server = await start(cfg, resolveGatewaySecret(cfg));
    stopOnSignals(server, createLogger(name, cfg.LOG_LEVEL));
  })().catch((err) => {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exit(1);
  });
}
