import { ConfigError } from '../../platform/config';
import { resolveGatewaySecret, stopOnSignals } from '../../platform/startup';
import { createLogger } from '../../platform/logger';
import { loadRatingsConfig } from './config';
import { startRatingsService } from './service';

async function main() {
  const cfg = loadRatingsConfig();
  const server = await startRatingsService(cfg, resolveGatewaySecret(cfg));
  stopOnSignals(server, createLogger('ratings', cfg.LOG_LEVEL));
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
