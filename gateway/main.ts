import cluster from 'node:cluster';
import { startTracing } from './tracing';

// Tracing patches http and express, so it starts before they are loaded.
const tracing = startTracing('marquee-gateway');

/* eslint-disable @typescript-eslint/no-require-imports -- loaded after tracing on purpose */
const { ConfigError } = require('../platform/config') as typeof import('../platform/config');
const { createLogger } = require('../platform/logger') as typeof import('../platform/logger');
const { loadGatewayConfig } = require('./config') as typeof import('./config');

async function main() {
  const cfg = loadGatewayConfig();
  const logger = createLogger('gateway', cfg.LOG_LEVEL);
  // Before anything loads @apollo/gateway (apollo-patches/index.ts); the primary of a cluster
  // serves nothing, so only workers (or a single process) install and log them.
  if (cfg.GATEWAY_WORKERS === 1 || !cluster.isPrimary) {
    (require('./apollo-patches') as typeof import('./apollo-patches')).installApolloPatches(cfg.APOLLO_PATCHES, logger, undefined, cfg.APOLLO_PATCHES_SKIP);
  }
  const { createMetricsRegistry } = require('../platform/metrics') as typeof import('../platform/metrics');
  const { resolveGatewayKey, stopOnSignals } = require('../platform/startup') as typeof import('../platform/startup');
  const { startGateway } = require('./server') as typeof import('./server');
  const secret = resolveGatewayKey('GATEWAY_SIGNING_KEY', cfg.GATEWAY_SIGNING_KEY);
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
