/**
 * The gateways measured, each started the same way: its own process, pinned to the gateway core
 * from its first instruction (`taskset -c <core>`; children and threads inherit it), over the
 * same subgraphs and supergraph file, with the same subgraph protection.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { waitFor } from '../local/processes';
import { GATEWAY_NODE_ARGS } from '../gateway/runtime';

const ROOT = path.resolve(__dirname, '..');
const BENCH = __dirname;
const BUILD = path.join(BENCH, '.build');
const PEERS = path.join(BENCH, 'peers');
const HIVE_BIN = path.join(PEERS, 'node_modules', '@graphql-hive', 'gateway', 'dist', 'bin.js');

export type Dedupe = 'on' | 'off' | 'none';

export interface Contender {
  name: string;
  /** In-flight deduplication of identical subgraph requests: on, off, or none (not available). */
  dedupe: Dedupe;
  /** Marquee's response cache and subgraph cache (on together in `marquee+cache`, the production defaults). */
  responseCache: boolean;
  /** The contender whose ratio is 1 for this one: Marquee with the same deduplication setting. */
  baseline: string;
  /** Needs bench/peers installed. */
  peer: boolean;
  /** Runs write workloads too (deduplication and caching never apply to mutations, so variants that differ only there skip them). */
  writes: boolean;
  command(port: number): { cmd: string; args: string[]; env: Record<string, string> };
  /** A line its log must contain once started (proof of the configuration asked for). */
  expectLog?: RegExp;
  /** A line its log must not contain. */
  refuseLog?: RegExp;
}

export interface ContenderEnv {
  /** The stack's environment: subgraph URLs, secrets, Redis, supergraph path. */
  stack: Record<string, string>;
  /** The responses the raw contender replays. */
  rawBodiesFile: string;
}

const node = (file: string) => [path.join(BUILD, file)];

/** Where a Marquee contender's compiled gateway is, and the Node binary that runs it. */
interface Build {
  node: string;
  dir: string;
}

/**
 * An extra Marquee contender from another checkout on another Node binary, to measure what a
 * runtime or dependency change did in the same run: BENCH_BASELINE is the checkout (with its own
 * node_modules), BENCH_BASELINE_NODE the binary (default: this one). It is compiled with its own
 * TypeScript, as `buildContenders` compiles this tree, and named after its Node version.
 */
export function baseline(): (Build & { name: string }) | null {
  const dir = process.env.BENCH_BASELINE;
  if (!dir) return null;
  const bin = process.env.BENCH_BASELINE_NODE || process.execPath;
  const version = spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout.trim();
  if (!/^v\d+/.test(version)) throw new Error(`BENCH_BASELINE_NODE: ${bin} is not a Node binary`);
  return { name: `marquee@node${version.slice(1).split('.')[0]}`, node: bin, dir: path.join(dir, 'bench', '.build') };
}

/** BENCH_MARQUEE_ENV: space-separated NAME=value settings added to Marquee's contenders' environment. */
function marqueeEnv(): Record<string, string> {
  const pairs = (process.env.BENCH_MARQUEE_ENV ?? '').split(' ').filter(Boolean);
  return Object.fromEntries(
    pairs.map((p) => {
      const eq = p.indexOf('=');
      if (eq < 1) throw new Error(`BENCH_MARQUEE_ENV: not NAME=value: ${p}`);
      return [p.slice(0, eq), p.slice(eq + 1)];
    }),
  );
}

export function allContenders(e: ContenderEnv): Contender[] {
  const common = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    NODE_ENV: 'production',
    GATEWAY_SIGNING_KEY: e.stack.GATEWAY_SIGNING_KEY,
    JWT_SECRET: e.stack.JWT_SECRET,
    JWT_ALLOW_HS256_IN_PRODUCTION: 'true',
    MOVIES_URL: e.stack.MOVIES_URL,
    RATINGS_URL: e.stack.RATINGS_URL,
    NOTIFICATIONS_URL: e.stack.NOTIFICATIONS_URL,
    AVAILABILITY_URL: e.stack.AVAILABILITY_URL,
    SUPERGRAPH_PATH: e.stack.SUPERGRAPH_PATH,
  };
  const marquee = (
    name: string,
    dedupe: 'on' | 'off',
    responseCache: boolean,
    writes: boolean,
    build: Build = { node: process.execPath, dir: BUILD },
  ): Contender => ({
    name,
    dedupe,
    responseCache,
    baseline: dedupe === 'on' ? 'marquee+dedupe' : 'marquee',
    peer: false,
    writes,
    command: (port) => ({
      cmd: build.node,
      // As production starts it (ECS task command, Dockerfile).
      // BENCH_MARQUEE_NODE_ARGS: extra Node flags for Marquee only, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile it under load.
      args: [...GATEWAY_NODE_ARGS, ...(process.env.BENCH_MARQUEE_NODE_ARGS?.split(' ').filter(Boolean) ?? []), path.join(build.dir, 'gateway', 'main.js')],
      env: {
        ...common,
        GATEWAY_PORT: String(port),
        // Metrics have their own port; a free one, so contenders and the stack never collide.
        METRICS_PORT: '0',
        REDIS_URL: e.stack.REDIS_URL,
        LOG_LEVEL: 'warn',
        // Everything else as deployed; the limits only raised so that the load is not refused.
        RATE_LIMIT_ANONYMOUS: '100000000',
        RATE_LIMIT_USER: '100000000',
        SUBGRAPH_DEDUPE: dedupe,
        RESPONSE_CACHE: responseCache ? 'on' : 'off',
        SUBGRAPH_CACHE: responseCache ? 'on' : 'off',
        // BENCH_MARQUEE_ENV: settings for Marquee only, e.g. `APOLLO_PATCHES=off` to measure what a change buys.
        ...marqueeEnv(),
      },
    }),
  });
  const hive = (name: string, rust: boolean, dedupe: 'on' | 'off'): Contender => ({
    name,
    dedupe,
    responseCache: false,
    baseline: dedupe === 'on' ? 'marquee+dedupe' : 'marquee',
    peer: true,
    writes: dedupe === 'off',
    command: (port) => ({
      cmd: process.execPath,
      args: [
        HIVE_BIN,
        'supergraph',
        '--config-path',
        path.join(PEERS, 'gateway.config.ts'),
        '--port',
        String(port),
        '--host',
        '127.0.0.1',
        '--fork',
        '1',
        ...(rust ? ['--hive-router-runtime'] : []),
      ],
      env: { ...common, HIVE_DEDUPE: dedupe },
    }),
    // The CLI says so when it loaded @graphql-hive/router-runtime (the Rust query planner), and
    // warns and falls back to the JavaScript planner when it could not.
    expectLog: rust ? /Using Hive Router Runtime/ : undefined,
    refuseLog: rust ? /Could not load the @graphql-hive\/router-runtime|Falling back/ : /Hive Router Runtime/,
  });
  const base = baseline();
  return [
    marquee('marquee', 'off', false, true),
    ...(base ? [marquee(base.name, 'off', false, true, base)] : []),
    marquee('marquee+dedupe', 'on', false, false),
    marquee('marquee+cache', 'on', true, false),
    {
      name: 'apollo-gateway',
      dedupe: 'none',
      responseCache: false,
      baseline: 'marquee',
      peer: false,
      writes: true,
      command: (port) => ({ cmd: process.execPath, args: node('bench/peers/stock-gateway.js'), env: { ...common, PORT: String(port) } }),
    },
    hive('hive', false, 'off'),
    hive('hive+dedupe', false, 'on'),
    hive('hive-rust', true, 'off'),
    hive('hive-rust+dedupe', true, 'on'),
    {
      name: 'raw node:http',
      dedupe: 'none',
      responseCache: false,
      baseline: 'marquee',
      peer: false,
      writes: true,
      command: (port) => ({
        cmd: process.execPath,
        args: node('bench/peers/raw-server.js'),
        env: { PATH: common.PATH, PORT: String(port), RAW_BODIES_FILE: e.rawBodiesFile },
      }),
    },
  ];
}

export interface Running {
  contender: Contender;
  url: string;
  pid: number;
  logFile: string;
  stop(): Promise<void>;
}

// Contenders never outlive the harness.
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

/** A process with stdout and stderr both in `logFile` (Hive logs its warnings to stderr). */
function spawnLogged(file: string, args: string[], env: Record<string, string>, logFile: string) {
  const fd = openSync(logFile, 'a');
  const child = spawn(file, args, { env, cwd: ROOT, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  live.add(child);
  let exitInfo: string | null = null;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      live.delete(child);
      exitInfo = `exited (${signal ?? `code ${code}`}); log: ${logFile}`;
      resolve();
    }),
  );
  const stop = async () => {
    if (exitInfo !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  return { child, exited: () => exitInfo, stop };
}

/** Starts a contender pinned to `core` (null: unpinned) and waits until it answers a query. */
export async function startContender(c: Contender, port: number, core: number | null): Promise<Running> {
  const { cmd, args, env } = c.command(port);
  const logFile = path.join(tmpdir(), `marquee-bench-${c.name.replace(/[^a-z0-9]+/gi, '-')}-${port}.log`);
  rmSync(logFile, { force: true });
  const [file, argv] = core === null ? [cmd, args] : ['taskset', ['-c', String(core), cmd, ...args]];
  // From the repository root, as the gateway runs (its persisted-operations manifest path is relative).
  const proc = spawnLogged(file, argv, env, logFile);
  const url = `http://127.0.0.1:${port}/graphql`;
  try {
    await waitFor(
      () =>
        fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' }).then(
          (r) => r.ok,
          () => false,
        ),
      { timeoutMs: 60_000, intervalMs: 100, what: c.name, failFast: proc.exited },
    );
    const log = readFileSync(logFile, 'utf8') + (proc.exited() ?? '');
    if (c.expectLog && !c.expectLog.test(log)) throw new Error(`${c.name}: its log does not say ${c.expectLog} (wrong configuration?):\n${log.slice(-2000)}`);
    if (c.refuseLog && c.refuseLog.test(log)) throw new Error(`${c.name}: its log says ${c.refuseLog} (wrong configuration):\n${log.slice(-2000)}`);
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return { contender: c, url, pid: proc.child.pid!, logFile, stop: proc.stop };
}

/**
 * Compiles the Node contenders to bench/.build with tsc, as production compiles the gateway
 * (`npm run build`), so none of them runs under a TypeScript loader.
 */
export function buildContenders(): void {
  rmSync(BUILD, { recursive: true, force: true });
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const run = spawnSync(process.execPath, [tsc, '-p', path.join(BENCH, 'tsconfig.build.json')], { cwd: ROOT, encoding: 'utf8' });
  const missing = ['gateway/main.js', 'bench/peers/stock-gateway.js', 'bench/peers/raw-server.js'].filter((f) => !existsSync(path.join(BUILD, f)));
  // tsc still emits with type errors elsewhere in the tree; only a missing output is fatal.
  if (missing.length) throw new Error(`compiling the contenders failed (${missing.join(', ')} missing):\n${run.stdout}${run.stderr}`);
  const base = baseline();
  if (base) {
    const checkout = path.resolve(base.dir, '..', '..');
    rmSync(base.dir, { recursive: true, force: true });
    const own = spawnSync(
      base.node,
      [path.join(checkout, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(checkout, 'bench', 'tsconfig.build.json')],
      { cwd: checkout, encoding: 'utf8' },
    );
    if (!existsSync(path.join(base.dir, 'gateway', 'main.js'))) throw new Error(`compiling BENCH_BASELINE failed:\n${own.stdout}${own.stderr}`);
  }
}

/** Installs bench/peers from its lock file when it is missing or stale. */
export function ensurePeers(log: (msg: string) => void): void {
  const lock = path.join(PEERS, 'node_modules', '.package-lock.json');
  const fresh = existsSync(HIVE_BIN) && existsSync(path.join(PEERS, 'node_modules', '@graphql-hive', 'router-runtime', 'package.json')) && existsSync(lock);
  if (fresh) {
    const want = JSON.parse(readFileSync(path.join(PEERS, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const installed = (name: string) =>
      (JSON.parse(readFileSync(path.join(PEERS, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
    if (Object.entries(want.dependencies).every(([name, version]) => installed(name) === version)) return;
  }
  log('installing the peer gateways (npm ci --prefix bench/peers)');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const run = spawnSync(npm, ['ci', '--prefix', PEERS, '--no-audit', '--no-fund'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (run.status !== 0) throw new Error('npm ci --prefix bench/peers failed');
}
