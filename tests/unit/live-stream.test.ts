import type { FormattedExecutionResult } from 'graphql';
import type { LiveMessage } from '../../platform/live-bus';
import { createLogger } from '../../platform/logger';
import type { LiveExecutor, PlannedSubscription } from '../../gateway/apollo-patches/subscriptions';
import type { LiveHub } from '../../gateway/live/hub';
import { ConnectionLimits } from '../../gateway/live/limits';
import { MAX_AHEAD, openLive, type LiveEnd, type LiveOperation } from '../../gateway/live/stream';

/**
 * gateway/live/stream.ts with fakes of its own collaborators (the hub, the executor): events
 * that arrive together are executed side by side under one context (what lets the subgraph
 * clients batch their calls), and still delivered in the bus's order.
 */
function fakeHub() {
  const listeners = new Map<string, (m: LiveMessage) => void>();
  const hub = {
    listen: (topic: string, l: (m: LiveMessage) => void) => {
      listeners.set(topic, l);
      return () => listeners.delete(topic);
    },
    track: () => () => {},
    replay: () => Promise.resolve({ messages: [], complete: true }),
  } as unknown as LiveHub;
  return { hub, emit: (m: LiveMessage) => listeners.get(m.topic)?.(m) };
}

const message = (n: number): LiveMessage => ({
  id: `1000-${n}`,
  topic: 'movie:603',
  event: { type: 'movieActivity', movieId: '603', kind: 'RATING_SUMMARY_CHANGED' },
});

function setUp(delays: number[], backlog: () => number = () => 0, maxBacklogBytes?: number) {
  const { hub, emit } = fakeHub();
  const contexts: object[] = [];
  let running = 0;
  let maxRunning = 0;
  let call = 0;
  const executor: LiveExecutor = {
    plan: () => {
      throw new Error('not used');
    },
    execute: async (_plan, _event, _vars, context) => {
      const n = call++;
      contexts.push(context);
      maxRunning = Math.max(maxRunning, ++running);
      await new Promise((r) => setTimeout(r, delays[n] ?? 0));
      running--;
      return { data: { n } };
    },
  };
  const op: LiveOperation = { plan: {} as PlannedSubscription, topic: 'movie:603', variables: {}, shareKey: `k${Math.random()}`, context: { requestId: 'r' } };
  const got: { id: string; result: FormattedExecutionResult }[] = [];
  const ended: LiveEnd[] = [];
  openLive(
    { hub, executor, formatError: (f) => f, logger: createLogger('test', 'silent'), limits: new ConnectionLimits(5, 100), maxBacklogBytes },
    op,
    undefined,
    { next: (id, result) => got.push({ id, result }), end: (e) => ended.push(e), backlog },
  );
  return { emit, got, ended, contexts, op, maxRunning: () => maxRunning };
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
};

test('events that arrive together run side by side under one context, and are delivered in order', async () => {
  // The first is the slowest: delivering in completion order would swap them.
  const t = setUp([60, 10, 0]);
  t.emit(message(1));
  t.emit(message(2));
  t.emit(message(3));
  await until(() => t.got.length === 3);
  expect(t.got.map((g) => g.id)).toEqual(['1000-1', '1000-2', '1000-3']);
  expect(t.got.map((g) => g.result.data)).toEqual([{ n: 0 }, { n: 1 }, { n: 2 }]);
  expect(t.got[0].result.extensions).toEqual({ eventId: '1000-1' });
  expect(t.maxRunning()).toBe(3);
  // One context object for the three: the subgraph clients' batcher keys a batch by it.
  expect(new Set(t.contexts).size).toBe(1);
  // A copy: the subscription's own context is never handed to an execution.
  expect(t.contexts[0]).not.toBe(t.op.context);
  expect(t.contexts[0]).toMatchObject({ requestId: 'r' });
});

test('events in different turns get contexts of their own', async () => {
  const t = setUp([]);
  t.emit(message(1));
  await until(() => t.got.length === 1);
  t.emit(message(2));
  await until(() => t.got.length === 2);
  expect(t.contexts).toHaveLength(2);
  expect(t.contexts[0]).not.toBe(t.contexts[1]);
});

test(`a burst larger than MAX_AHEAD runs at most ${MAX_AHEAD} at once, and all of it is delivered in order`, async () => {
  const t = setUp(Array.from({ length: 40 }, (_, i) => (i % 3) * 5));
  for (let n = 1; n <= 40; n++) t.emit(message(n));
  await until(() => t.got.length === 40);
  expect(t.got.map((g) => g.id)).toEqual(Array.from({ length: 40 }, (_, i) => `1000-${i + 1}`));
  expect(t.maxRunning()).toBe(MAX_AHEAD);
});

test('a client further behind than maxBacklogBytes is dropped with SLOW_CONSUMER, and gets nothing more', async () => {
  let unread = 0;
  const t = setUp([], () => unread, 1000);
  t.emit(message(1));
  await until(() => t.got.length === 1);
  unread = 1001; // the client stopped reading
  t.emit(message(2));
  t.emit(message(3));
  await until(() => t.ended.length === 1);
  await new Promise((r) => setTimeout(r, 20));
  expect(t.ended).toEqual([{ code: 'SLOW_CONSUMER', message: expect.stringMatching(/reconnect with the last event id/) }]);
  expect(t.got.map((g) => g.id)).toEqual(['1000-1']);
});
