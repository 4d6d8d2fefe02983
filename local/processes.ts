import net from 'node:net';
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';

/** A free TCP port on 127.0.0.1, chosen by the kernel. */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function waitFor(
  check: () => Promise<boolean>,
  opts: { timeoutMs: number; intervalMs?: number; what: string; failFast?: () => string | null },
): Promise<void> {
  const until = Date.now() + opts.timeoutMs;
  for (;;) {
    const fatal = opts.failFast?.();
    if (fatal) throw new Error(`${opts.what} failed to start: ${fatal}`);
    if (await check().catch(() => false)) return;
    if (Date.now() > until) throw new Error(`${opts.what} did not become ready within ${opts.timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 100));
  }
}

export interface ManagedProcess {
  child: ChildProcess;
  /** Set when the process has exited, with its code or signal and the last lines it wrote to stderr. */
  exited: () => string | null;
  stop(): Promise<void>;
}

// Every child we start, so that none outlives us: 'exit' handlers run synchronously.
const live = new Set<ChildProcess>();
let hooked = false;
function hookExit() {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const c of live) {
      try {
        c.kill('SIGKILL');
      } catch {
        /* already gone */
      }
    }
  });
}

export function spawnManaged(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; name: string; logFile?: string; cwd?: string }): ManagedProcess {
  hookExit();
  const fd = opts.logFile ? openSync(opts.logFile, 'a') : undefined;
  const child = spawn(cmd, args, {
    env: opts.env ?? process.env,
    cwd: opts.cwd,
    stdio: ['ignore', fd ?? 'inherit', 'pipe'],
  });
  if (fd !== undefined) closeSync(fd);
  live.add(child);
  let tail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    if (fd === undefined) process.stderr.write(chunk);
    tail = (tail + chunk.toString()).slice(-4000);
  });
  let exitInfo: string | null = null;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      exitInfo = `${opts.name} exited (${signal ?? `code ${code}`})${tail.trim() ? `: ${tail.trim().split('\n').slice(-8).join('\n')}` : ''}`;
      resolve();
    });
  });
  return {
    child,
    exited: () => exitInfo,
    stop: async () => {
      if (exitInfo !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
