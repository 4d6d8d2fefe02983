import { ConfigError } from './config';
import type { Logger } from './logger';

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
