import { ConfigError } from '../../platform/config';
import { resolveGatewaySecret, stopOnSignals } from '../../platform/startup';
import { createLogger } from '../../platform/logger';
import { loadNotificationsConfig } from './config';
import { startNotificationsService } from './service';

async function main() {
  const cfg = loadNotificationsConfig();
  const server = await startNotificationsService(cfg, resolveGatewaySecret(cfg));
  stopOnSignals(server, createLogger('notifications', cfg.LOG_LEVEL));
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
