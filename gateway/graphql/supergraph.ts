import { readFileSync, watchFile, unwatchFile } from 'node:fs';
import type { SupergraphSdlHook } from '@apollo/gateway';
import type { Logger } from '../../platform/logger';

/**
 * Serves the checked-in supergraph file and hot-swaps it when the file changes, so a schema
 * release needs no restart. The gateway never composes by introspecting subgraphs.
 */
export function supergraphFromFile(path: string, logger: Logger, pollMs = 2000): SupergraphSdlHook {
  return async ({ update, healthCheck }) => {
    let current = readFileSync(path, 'utf8');
    watchFile(path, { interval: pollMs, persistent: false }, () => {
      let next: string;
      try {
        next = readFileSync(path, 'utf8');
      } catch (err) {
        logger.error({ err, path }, 'supergraph file unreadable; keeping the current one');
        return;
      }
      if (next === current) return;
      healthCheck(next)
        .catch((err: unknown) => logger.warn({ err }, 'subgraph health check failed for the new supergraph; applying anyway'))
        .finally(() => {
          try {
            update(next);
            current = next;
            logger.info({ path }, 'supergraph reloaded');
          } catch (err) {
            logger.error({ err }, 'new supergraph rejected; keeping the current one');
          }
        });
    });
    return { supergraphSdl: current, cleanup: async () => unwatchFile(path) };
  };
}
