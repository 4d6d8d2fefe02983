import { ConfigError } from './config';
import type { Logger } from './logger';

/**
 * The gateway signs the gateway→subgraph identity with GATEWAY_SIGNING_KEY and the subgraphs
 * verify it with GATEWAY_PUBLIC_KEY. Production requires them (checked by each config); local
 * mode's launcher generates a pair per run and gives each process its half.
 */
export function resolveGatewayKey(name: 'GATEWAY_SIGNING_KEY' | 'GATEWAY_PUBLIC_KEY', value: string | undefined): string {
  if (!value) {
    throw new ConfigError(
      `${name} is not set: start everything with \`npm start\`, or give the gateway GATEWAY_SIGNING_KEY (a P-256 or Ed25519 private key) and every subgraph its public key as GATEWAY_PUBLIC_KEY`,
    );
  }
  return value;
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
