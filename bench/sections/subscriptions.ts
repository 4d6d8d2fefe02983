/**
 * Subscriptions (issue #20): BENCH_SUBSCRIBERS concurrent `movieActivity` subscribers on one
 * Marquee gateway (half over GraphQL-over-SSE, half over graphql-ws), spread over
 * BENCH_SUBSCRIPTION_FILMS films, while signed-in users rate those films one after another.
 * Measured: the gateway's resident memory per open connection, and the fan-out latency from a
 * write's commit (its mutation answered: the rating is in DynamoDB by then) to each subscriber
 * that receives the film's new summary, p50/p99, over every (write, subscriber) pair. Every
 * subscriber of a written film must get one event per write; a missing one is an error.
 *
 * The path measured is the production one: ratings → outbox → the notifications relay (polling
 * RELAY_POLL_MS, default 500 ms) → the live bus (Redis) → the gateway → the subscription's plan
 * (shared by the film's subscribers) → each stream. The subscribers run in this process, on the
 * load core with the stack; only the gateway is on its own core.
 */
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import WebSocket from 'ws';
import { readFileSync } from 'node:fs';
import { allContenders, type Running } from '../contenders';
import { cpuMs, round } from '../measure';
import { log, SUBSCRIBERS, SUBSCRIPTION_FILMS, SUBSCRIPTION_WRITES, WRITE_INTERVAL_MS } from '../settings';
import { WRITE_USERS } from '../workloads';
import { requireStack, type SectionContext } from './context';

export interface SubscriptionsResult {
  contender: string;
  subscribers: { sse: number; ws: number };
  films: number;
  writes: number;
  /** Resident memory of the gateway with no stream open, and with every stream open and idle. */
  rssIdleMb: number;
  rssOpenMb: number;
  kbPerConnection: number;
  /** Events a subscriber should have got (writes × that film's subscribers) and got. */
  expected: number;
  received: number;
  /** From each write's answer to each subscriber's event, ms, over all pairs (and per transport). */
  latency: { p50: number; p99: number; max: number; sse: { p50: number; p99: number }; ws: { p50: number; p99: number } };
  /** Gateway CPU per delivered event, ms. */
  gatewayCpuMsPerEvent: number;
  errors: number;
  errorSamples: string[];
}

const ACTIVITY = 'subscription BenchActivity($id: ID!) { movieActivity(movieId: $id) { kind movie { id ratingSummary { average count } } } }';
const RATE = 'mutation BenchRate($m: ID!, $s: Float!) { rateMovie(input: { movieId: $m, score: $s }) { rating { score } } }';

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const summary = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: round(percentile(s, 50), 1), p99: round(percentile(s, 99), 1), max: round(s[s.length - 1] ?? 0, 1) };
};

interface Subscriber {
  film: string;
  transport: 'sse' | 'ws';
  /** Called with each event's receipt time. */
  events: number[];
  close(): void;
}

/** One SSE stream (graphql-sse distinct connections mode: POST, then `event: next` lines). */
async function sseSubscriber(url: string, film: string, onError: (e: string) => void): Promise<Subscriber> {
  const controller = new AbortController();
  const events: number[] = [];
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ query: ACTIVITY, variables: { id: film } }),
    signal: controller.signal,
  });
  if (res.status !== 200 || !res.body) throw new Error(`SSE subscribe: HTTP ${res.status} ${await res.text()}`);
  // Node's web stream is async-iterable; typed here because without bench/peers installed the
  // fetch body's stream type does not resolve (lint saw any).
  const chunks = res.body as unknown as AsyncIterable<Uint8Array>;
  const decoder = new TextDecoder();
  let buffer = '';
  void (async () => {
    for await (const value of chunks) {
      buffer += decoder.decode(value, { stream: true });
      // Events end with a blank line; count each `next` whose data carries a result without errors.
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (!/^event: next$/m.test(event)) continue;
        const data = /^data: (.*)$/m.exec(event)?.[1] ?? '';
        if (data.includes('"errors"')) onError(data.slice(0, 300));
        else events.push(performance.now());
      }
    }
  })().catch(() => {});
  return { film, transport: 'sse', events, close: () => controller.abort() };
}

/** One graphql-ws connection with one subscription. */
async function wsSubscriber(url: string, film: string, onError: (e: string) => void): Promise<Subscriber> {
  const events: number[] = [];
  let connected!: () => void;
  const isConnected = new Promise<void>((r) => (connected = r));
  const client: WsClient = createWsClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: true,
    on: { connected: () => connected() },
  });
  client.subscribe(
    { query: ACTIVITY, variables: { id: film } },
    {
      next: (r) => (r.errors ? onError(JSON.stringify(r.errors).slice(0, 300)) : events.push(performance.now())),
      error: (e) => onError(e instanceof Error ? e.message : JSON.stringify(e).slice(0, 300)),
      complete: () => {},
    },
  );
  await isConnected;
  return { film, transport: 'ws', events, close: () => void client.dispose() };
}

/** Opens `n` subscribers, 50 at a time, films round-robin, each film's subscribers half SSE and half WebSocket. */
async function openAll(url: string, films: string[], n: number, onError: (e: string) => void): Promise<Subscriber[]> {
  const out: Subscriber[] = [];
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < n; i = next++) {
      const film = films[i % films.length];
      // Transports alternate per round over the films, so every film has both (by i % 2 alone,
      // even films would get only SSE and odd ones only WebSocket).
      out.push(await (Math.floor(i / films.length) % 2 ? wsSubscriber(url, film, onError) : sseSubscriber(url, film, onError)));
    }
  };
  await Promise.all(Array.from({ length: 50 }, worker));
  return out;
}

async function measureOn(ctx: SectionContext, running: Running): Promise<SubscriptionsResult> {
  const s = requireStack(ctx, 'subscriptions');
  const films = s.ids.slice(0, SUBSCRIPTION_FILMS);
  const errorSamples: string[] = [];
  let errors = 0;
  const onError = (e: string) => {
    errors++;
    if (errorSamples.length < 5) errorSamples.push(e);
  };
  await new Promise((r) => setTimeout(r, 2000));
  const rssIdleMb = rssMb(running.pid);
  log(`subscriptions: opening ${SUBSCRIBERS} subscribers over ${films.length} films`);
  const subscribers = await openAll(running.url, films, SUBSCRIBERS, onError);
  // Every subscription is registered on the hub a moment after its stream opened.
  await new Promise((r) => setTimeout(r, 3000));
  const rssOpenMb = rssMb(running.pid);

  const byFilm = new Map<string, Subscriber[]>();
  for (const sub of subscribers) byFilm.set(sub.film, [...(byFilm.get(sub.film) ?? []), sub]);
  const cpu0 = cpuMs(running.pid);
  /** Per write: its film, when it was answered, and how many events each subscriber of the film had before it. */
  const writes: { film: string; answeredAt: number; before: number[] }[] = [];
  log(`subscriptions: ${SUBSCRIPTION_WRITES} writes, one every ${WRITE_INTERVAL_MS} ms`);
  for (let i = 0; i < SUBSCRIPTION_WRITES; i++) {
    const film = films[i % films.length];
    const subs = byFilm.get(film) ?? [];
    const before = subs.map((x) => x.events.length);
    // Writers the W3 workload used least (it starts at 0); scores it never sends (halves), so each write changes the summary.
    const user = `bench-writer-${(WRITE_USERS - 1 - i) % WRITE_USERS}`;
    const res = await fetch(running.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ctx.harness.token(user)}` },
      body: JSON.stringify({ query: RATE, variables: { m: film, s: 1.5 + (i % 8) } }),
    });
    const body = (await res.json()) as { errors?: unknown[] };
    if (body.errors) onError(`write: ${JSON.stringify(body.errors).slice(0, 300)}`);
    writes.push({ film, answeredAt: performance.now(), before });
    await new Promise((r) => setTimeout(r, WRITE_INTERVAL_MS));
  }
  // The last writes' events: the relay polls, then fans out.
  await new Promise((r) => setTimeout(r, 5000));
  const cpu = cpuMs(running.pid) - cpu0;

  const all: number[] = [];
  const per: Record<'sse' | 'ws', number[]> = { sse: [], ws: [] };
  let expected = 0;
  let received = 0;
  for (const w of writes) {
    const subs = byFilm.get(w.film) ?? [];
    subs.forEach((sub, k) => {
      expected++;
      // Writes to one film are far apart (films × interval), so the first event after the write's
      // count is this write's: the film's one change between its writes.
      const at = sub.events[w.before[k]];
      if (at === undefined) return;
      received++;
      const ms = at - w.answeredAt;
      all.push(ms);
      per[sub.transport].push(ms);
    });
  }
  for (const sub of subscribers) sub.close();
  if (received < expected) onError(`${expected - received} of ${expected} events never arrived`);
  const open = subscribers.length;
  const { p50, p99, max } = summary(all);
  return {
    contender: running.contender.name,
    subscribers: { sse: subscribers.filter((x) => x.transport === 'sse').length, ws: subscribers.filter((x) => x.transport === 'ws').length },
    films: films.length,
    writes: writes.length,
    rssIdleMb: round(rssIdleMb, 1),
    rssOpenMb: round(rssOpenMb, 1),
    kbPerConnection: round(((rssOpenMb - rssIdleMb) * 1024) / Math.max(1, open), 1),
    expected,
    received,
    latency: { p50, p99, max, sse: summary(per.sse), ws: summary(per.ws) },
    gatewayCpuMsPerEvent: round(cpu / Math.max(1, received), 3),
    errors,
    errorSamples,
  };
}

/** Marquee with its production defaults (caches on): no peer serves these subscriptions on our subgraphs. */
export async function runSubscriptions(ctx: SectionContext): Promise<void> {
  const s = requireStack(ctx, 'subscriptions');
  const contender = allContenders({ stack: s.stack.env, rawBodiesFile: s.rawBodiesFile }).find((c) => c.name === 'marquee+cache');
  if (!contender) throw new Error('subscriptions: the marquee+cache contender is missing');
  await ctx.harness.withContender(contender, async (running) => {
    ctx.subscriptions = await measureOn(ctx, running);
  });
}
