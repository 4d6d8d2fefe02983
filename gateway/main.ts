import { ConfigError } from '../platform/config';
import { createLogger } from '../platform/logger';
import { createMetricsRegistry } from '../platform/metrics';
import { resolveGatewaySecret } from '../platform/startup';
import { stopOnSignals } from '../platform/subgraph-server';
import { loadGatewayConfig } from './config';
import { startGateway } from './server';

async function main() {
  const cfg = loadGatewayConfig();
  const logger = createLogger('gateway', cfg.LOG_LEVEL);
  const server = await startGateway(cfg, resolveGatewaySecret(cfg), logger, createMetricsRegistry('gateway'));
  stopOnSignals(server, logger);
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
