/**
 * Measures the TMDB budget (platform/tmdb/budget.ts) against rate-limiter-flexible's Redis
 * limiter behind its RateLimiterQueue, on the semantics the budget must keep: one budget for all
 * replicas, a queue of waiting callers, a maximum wait after which a caller is refused, a share
 * per caller, and a fallback while Redis is gone. docs/dependencies.md quotes its output.
 *
 *   node --expose-gc --import tsx scripts/tmdb-budget-compare.ts     (needs redis-server)
 */
import type Redis from 'ioredis';
import { RateLimiterMemory, RateLimiterQueue, RateLimiterRedis } from 'rate-limiter-flexible';
import { startRedis } from '../local/redis';
import { createRedisClient } from '../platform/cache';
import { createBudget, createCallerBudgets, type Budget } from '../platform/tmdb/budget';

const RATE = 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The most grants in any one-second window [t, t + 1000) that starts at a grant. */
function worstSecond(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let worst = 0;
  for (const t of sorted) worst = Math.max(worst, sorted.filter((u) => u >= t && u < t + 1000).length);
  return worst;
}

interface Limiter {
  /** Resolves when granted, rejects when refused. */
  take(caller?: string): Promise<unknown>;
}

const ours = (b: Budget): Limiter => ({ take: () => b.acquire() });

function rlf(redis: Redis, key: string, opts: { execEvenly?: boolean; maxQueueSize?: number } = {}): { limiter: Limiter; queue: RateLimiterQueue } {
  const memory = new RateLimiterMemory({ keyPrefix: key, points: RATE, duration: 1 });
  const store = new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: key,
    points: RATE,
    duration: 1,
    execEvenly: opts.execEvenly ?? false,
    insuranceLimiter: memory,
    useRedisPackage: false,
  });
  const queue = new RateLimiterQueue(store, { maxQueueSize: opts.maxQueueSize ?? 500 });
  return { limiter: { take: (caller) => queue.removeTokens(1, caller) }, queue };
}

/**
 * Two replicas (two connections), 30 callers at once: when was each one granted? With `leadMs`,
 * one caller comes first and the 30 that much later (a window already open, as in steady traffic).
 */
async function sharedBurst(a: Limiter, b: Limiter, leadMs?: number): Promise<string> {
  const started = Date.now();
  const times: number[] = [];
  if (leadMs !== undefined) {
    await a.take();
    times.push(Date.now());
    await sleep(leadMs);
  }
  await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).take().then(() => times.push(Date.now()))));
  return `granted ${times.length}, worst 1 s window ${worstSecond(times)} (limit ${RATE}), last grant after ${Date.now() - started} ms`;
}

/** 20 callers at once on one replica, 300 ms longest wait: who is refused, and when? */
async function maxWait(take: (deadline: number) => Promise<unknown>): Promise<string> {
  const started = Date.now();
  const granted: number[] = [];
  const refused: number[] = [];
  await Promise.all(
    Array.from({ length: 20 }, () =>
      take(started + 300).then(
        () => granted.push(Date.now() - started),
        () => refused.push(Date.now() - started),
      ),
    ),
  );
  const refusals = refused.length ? `refusals after ${Math.min(...refused)}–${Math.max(...refused)} ms` : 'no refusals';
  return `granted ${granted.length}, refused ${refused.length}, longest wait of a granted caller ${Math.max(0, ...granted)} ms, ${refusals}`;
}

function heapMb(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed / 1e6;
}

async function main(): Promise<void> {
  const server = await startRedis();
  let stopped = false;
  const stop = async () => {
    if (!stopped) await server.stop();
    stopped = true;
  };
  const clients: Redis[] = [];
  const client = async () => {
    const c = createRedisClient(server.url, 1000);
    c.on('error', () => undefined);
    clients.push(c);
    while (c.status !== 'ready') await sleep(10);
    return c;
  };
  try {
    const [r1, r2] = [await client(), await client()];
    console.log(`1. One budget of ${RATE}/s shared by two replicas, a burst of 30`);
    const replica = (redis: Redis, key: string) => ours(createBudget({ ratePerSecond: RATE, redis, key, maxWaitMs: 20_000 }));
    const even = { execEvenly: true };
    for (const lead of [undefined, 900]) {
      const n = lead === undefined ? 'a' : 'b';
      console.log(lead === undefined ? '   (a) 30 callers at once' : `   (b) one caller, then 30 more ${lead} ms later`);
      console.log(`   ours (token bucket in Redis):          ${await sharedBurst(replica(r1, `m:${n}1`), replica(r2, `m:${n}1`), lead)}`);
      console.log(`   rate-limiter-flexible (fixed window):  ${await sharedBurst(rlf(r1, `m:${n}2`).limiter, rlf(r2, `m:${n}2`).limiter, lead)}`);
      console.log(`   rate-limiter-flexible, execEvenly:     ${await sharedBurst(rlf(r1, `m:${n}3`, even).limiter, rlf(r2, `m:${n}3`, even).limiter, lead)}`);
    }

    console.log('2. Longest wait 300 ms, 20 callers at once');
    const budget = createBudget({ ratePerSecond: RATE, redis: r1, key: 'm:d', maxWaitMs: 300 });
    console.log(`   ours (refuses as soon as a wait would pass 300 ms):            ${await maxWait(() => budget.acquire())}`);
    const expiring = rlf(r1, 'm:e').queue;
    const inWholeSeconds = (deadline: number) => expiring.removeTokens(1, undefined, Math.ceil(deadline / 1000));
    console.log(`   rate-limiter-flexible, expiresUnixAt (whole seconds):          ${await maxWait(inWholeSeconds)}`);
    const raced = rlf(r1, 'm:f');
    let grantedAfterRefusal = 0;
    console.log(
      `   rate-limiter-flexible, caller gives up at 300 ms (race):       ${await maxWait((deadline) => {
        let gaveUp = false;
        const grant = raced.queue.removeTokens(1).then(() => {
          if (gaveUp) grantedAfterRefusal++;
        });
        const timeout = sleep(deadline - Date.now()).then(() => {
          gaveUp = true;
          throw new Error('refused');
        });
        return Promise.race([grant, timeout]);
      })}`,
    );
    await sleep(2500);
    console.log(`     … then the queue still granted ${grantedAfterRefusal} tokens to callers that had been refused (spent budget, no request)`);

    console.log('3. A share per caller: 20 000 distinct callers, one request each, on one process');
    const before = heapMb();
    const shares = createCallerBudgets({ ratePerSecond: RATE, redis: r1, keyPrefix: 'm:g', maxWaitMs: 1000 });
    for (let i = 0; i < 20_000; i += 500) await Promise.all(Array.from({ length: 500 }, (_, j) => shares.acquire(`caller-${i + j}`)));
    console.log(`   ours: heap +${(heapMb() - before).toFixed(1)} MB after they are done (waiting counts are dropped when a caller has none)`);
    const perCaller = rlf(r1, 'm:h').queue;
    const before2 = heapMb();
    for (let i = 0; i < 20_000; i += 500) await Promise.all(Array.from({ length: 500 }, (_, j) => perCaller.removeTokens(1, `caller-${i + j}`)));
    const queues = Object.keys(Reflect.get(perCaller, '_queueLimiters') as object).length;
    console.log(`   rate-limiter-flexible: heap +${(heapMb() - before2).toFixed(1)} MB, ${queues} per-caller queues kept after they are done (never removed)`);

    console.log('4. Redis gone (server stopped)');
    const budgetDown = createBudget({ ratePerSecond: RATE, redis: r1, key: 'm:i', maxWaitMs: 2000 });
    const rlfDown = rlf(r1, 'm:j').limiter;
    await stop();
    await sleep(300);
    const timed = async (l: Limiter) => {
      const t = Date.now();
      const results = await Promise.allSettled(Array.from({ length: 5 }, () => l.take()));
      return `${results.filter((r) => r.status === 'fulfilled').length}/5 granted in ${Date.now() - t} ms`;
    };
    console.log(`   ours (a bucket in this process):                 ${await timed(ours(budgetDown))}`);
    console.log(`   rate-limiter-flexible (insuranceLimiter memory): ${await timed(rlfDown)}`);
  } finally {
    for (const c of clients) c.disconnect();
    await stop();
  }
}

void main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
