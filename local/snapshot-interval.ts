import path from 'node:path';
import { spawnManaged } from './processes';

/**
 * Local mode's stand-in for the EventBridge schedule: the score snapshot task
 * (subgraphs/ratings/snapshot-main.ts) as a process of its own, every `intervalMinutes`
 * (SCORE_SNAPSHOT_INTERVAL_MINUTES, default 60; 0 = never), never two at once.
 */
export function startSnapshotInterval(opts: { root: string; env: Record<string, string>; intervalMinutes: number; logFile?: string }) {
  let current: Promise<void> | undefined;
  let stopChild: (() => Promise<void>) | undefined;
  const runOnce = (): Promise<void> => {
    current ??= new Promise<void>((resolve, reject) => {
      const child = spawnManaged(process.execPath, ['--import', 'tsx', path.join(opts.root, 'subgraphs', 'ratings', 'snapshot-main.ts')], {
        env: opts.env,
        name: 'snapshot',
        logFile: opts.logFile,
      });
      stopChild = () => child.stop();
      child.child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(child.exited() ?? `snapshot exited with ${code}`))));
    }).finally(() => {
      current = undefined;
      stopChild = undefined;
    });
    return current;
  };
  const timer =
    opts.intervalMinutes > 0
      ? setInterval(() => {
          runOnce().catch(() => undefined);
        }, opts.intervalMinutes * 60_000)
      : undefined;
  timer?.unref();
  return {
    runOnce,
    stop: async () => {
      if (timer) clearInterval(timer);
      await stopChild?.();
    },
  };
}
