import cluster from 'node:cluster';
import { startTracing } from './tracing';

// Tracing patches http and express, so it starts before they are loaded.
const tracing = startTracing('marquee-gateway');

/* eslint-disable @typescript-eslint/no-require-imports -- loaded after tracing on purpose */
// Before anything loads @apollo/gateway (see flatten-exports.ts).
(require('./flatten-exports') as typeof import('./flatten-exports')).flattenExports();
// Apollo's result shaping, without its per-field allocations (see result-shaping.ts).
(require('./result-shaping') as typeof import('./result-shaping')).install();
// After flattenExports: it writes to the flattened (plain) export object.
(require('./operation-cache') as typeof import('./operation-cache')).install();
const { ConfigError } = require('../platform/config') as typeof import('../platform/config');
const { createLogger } = require('../platform/logger') as typeof import('../platform/logger');
const { createMetricsRegistry } = require('../platform/metrics') as typeof import('../platform/metrics');
const { resolveGatewaySecret, stopOnSignals } = require('../platform/startup') as typeof import('../platform/startup');
const { loadGatewayConfig } = require('./config') as typeof import('./config');
const { startGateway } = require('./server') as typeof import('./server');

async function main() {
  const cfg = loadGatewayConfig();
  const logger = createLogger('gateway', cfg.LOG_LEVEL);
  const secret = resolveGatewaySecret(cfg);
  // GATEWAY_WORKERS > 1: one process per core behind one port (node:cluster shares the socket).
  if (cfg.GATEWAY_WORKERS > 1 && cluster.isPrimary) {
    for (let i = 0; i < cfg.GATEWAY_WORKERS; i++) cluster.fork();
    cluster.on('exit', (worker, code, signal) => {
      if (!shuttingDown) {
        logger.error({ pid: worker.process.pid, code, signal }, 'gateway worker died; starting another');
        cluster.fork();
      }
    });
    let shuttingDown = false;
    const stop = () => {
      shuttingDown = true;
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    return;
  }
  const server = await startGateway(cfg, secret, logger, createMetricsRegistry('gateway'));
  stopOnSignals(
    {
      stop: async () => {
        // Past the grace period, exit anyway: ECS kills the task soon after.
        setTimeout(() => process.exit(1), cfg.SHUTDOWN_GRACE_MS).unref();
        await server.stop();
        await tracing?.shutdown();
      },
    },
    logger,
  );
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
