import { ConfigError } from './config';

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
