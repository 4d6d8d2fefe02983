import { ConfigError } from '../../platform/config';
import { resolveGatewaySecret, stopOnSignals } from '../../platform/startup';
import { createLogger } from '../../platform/logger';
import { loadMoviesConfig } from './config';
import { startMoviesService } from './service';

async function main() {
  const cfg = loadMoviesConfig();
  const server = await startMoviesService(cfg, resolveGatewaySecret(cfg));
  stopOnSignals(server, createLogger('movies', cfg.LOG_LEVEL));
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
