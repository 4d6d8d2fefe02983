/**
 * Load generation (autocannon) and what is read around a run: the gateway process's CPU time
 * and peak RSS from /proc, upstream calls from the stack.
 */
import { readFileSync, readdirSync } from 'node:fs';
import autocannon from 'autocannon';
import { isCleanResult, type Workload } from './workloads';

export interface LoadResult {
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  /** Non-200 answers, GraphQL errors in 200 answers, socket errors and timeouts. */
  errors: number;
  /** The first few error bodies, to say what went wrong. */
  errorSamples: string[];
}

export interface LoadOptions {
  url: string;
  workload: Workload;
  connections: number;
  /** Run for this long… */
  seconds?: number;
  /** …or until this many requests have been answered. */
  amount?: number;
  token: (user: string) => string;
}

/** Drives the workload at `connections` concurrent virtual users for `seconds`. */
export async function load(opts: LoadOptions): Promise<LoadResult> {
  const { workload: w } = opts;
  const latencies: number[] = [];
  const errorSamples: string[] = [];
  let graphqlErrors = 0;
  let nextConnection = 0;
  const t0 = process.hrtime.bigint();
  const instance = autocannon({
    url: opts.url,
    method: 'POST',
    connections: opts.connections,
    ...(opts.amount ? { amount: opts.amount } : { duration: opts.seconds }),
    timeout: 30,
    headers: { 'content-type': 'application/json' },
    // One client is one connection is one virtual user. (A request's `context` cannot hold that:
    // autocannon resets it every time the request list starts over.)
    setupClient: (client) => {
      const connection = nextConnection++;
      let n = 0;
      // One request in flight per connection (no pipelining): when the one being answered was sent.
      let sentAt = 0;
      client.setRequests([
        {
          method: 'POST',
          setupRequest: (req) => {
            const user = w.user(connection, n);
            const headers: Record<string, string> = { 'content-type': 'application/json' };
            if (user) headers.authorization = `Bearer ${opts.token(user)}`;
            sentAt = performance.now();
            return { ...req, headers, body: w.body(connection, n++) };
          },
          onResponse: (status, body) => {
            if (status === 200) w.observe?.(body, sentAt);
            if (status === 200 && isCleanResult(body, w.expect)) return;
            graphqlErrors++;
            if (errorSamples.length < 5) errorSamples.push(`${status} ${body.slice(0, 300)}`);
          },
        },
      ]);
    },
  });
  // Without a callback autocannon returns its tracker (an EventEmitter) made thenable.
  let last = t0;
  (instance as unknown as NodeJS.EventEmitter).on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => {
    latencies.push(ms);
    last = process.hrtime.bigint();
  });
  const result = await instance;
  // From the start to the last answer: autocannon notices the end of an `amount` run only at its
  // next one-second tick, and its own duration is in whole seconds.
  const seconds = Math.max(Number(last - t0), 1) / 1e9;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => (latencies.length ? round(latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)], 1) : 0);
  const requests = latencies.length;
  if (result.errors + result.timeouts > 0 && errorSamples.length < 5) errorSamples.push(`${result.errors} socket errors, ${result.timeouts} timeouts`);
  return {
    requests,
    seconds: round(seconds, 2),
    requestsPerSecond: round(requests / seconds, 1),
    p50: pct(50),
    p95: pct(95),
    p99: pct(99),
    max: pct(100),
    // onResponse saw every answer (non-200 included); socket errors and timeouts never answered.
    errors: graphqlErrors + result.errors + result.timeouts,
    errorSamples,
  };
}

export function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** A process and its descendants (Hive's CLI or a cluster primary may fork). */
function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      /* gone */
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    out.push(p);
    for (const c of children.get(p) ?? []) walk(c);
  };
  walk(pid);
  return out;
}

/** Peak resident set (VmHWM) of the process and its descendants, in MB. */
export function peakRssMb(pid: number): number {
  let kb = 0;
  for (const p of processTree(pid)) {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      if (m) kb += Number(m[1]);
    } catch {
      /* gone */
    }
  }
  return Math.round(kb / 1024);
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** CPU time (user + system, all threads) of the process and its descendants, in ms. */
export function cpuMs(pid: number): number {
  let ticks = 0;
  for (const p of processTree(pid)) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      /* gone */
    }
  }
  return (ticks * 1000) / TICKS_PER_SECOND;
}

/** Sum of a Prometheus counter across the given /metrics endpoints. */
export async function counterTotal(metricsUrls: string[], name: string): Promise<number> {
  let total = 0;
  const line = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, 'gm');
  for (const url of metricsUrls) {
    const text = await fetch(url).then((r) => r.text());
    for (const m of text.matchAll(line)) total += Number(m[1]);
  }
  return total;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return 0;
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}
