import { RETRY_POLICIES, TRY_AGAIN, retryDelay, retryPolicy, retrySpec, untilDone, type RetrySpec } from '../../platform/retry';
import { failedCondition, lostOptimisticRace, onlyConflicts, type Cancelled } from '../../platform/dynamodb-transact';

// Delays of a millisecond, so the tests do not wait out real backoffs.
const quick = (name: keyof typeof RETRY_POLICIES): RetrySpec => retrySpec(name, { initialDelayMs: 1, maxDelayMs: 1 });

describe('the named retry policies', () => {
  it('bound every policy but the relay poller, and cap every delay', () => {
    for (const [name, spec] of Object.entries(RETRY_POLICIES)) {
      if (name === 'relayPass') expect(spec.retries).toBe(Number.POSITIVE_INFINITY);
      else expect(Number.isFinite(spec.retries)).toBe(true);
      expect(spec.maxDelayMs).toBeGreaterThanOrEqual(spec.initialDelayMs);
    }
    // Today's figures: 8 tries of a transaction, 11 BatchGetItem calls, 5 tries of an event.
    expect(RETRY_POLICIES.dynamoTransaction.retries + 1).toBe(8);
    expect(RETRY_POLICIES.dynamoBatchRead.retries).toBe(10);
    expect(RETRY_POLICIES.relayEvent.retries + 1).toBe(5);
  });

  it('draws full-jitter delays from [0, d) and half-jitter ones from [d/2, d), doubling up to the cap', () => {
    const full = RETRY_POLICIES.dynamoTransaction; // 20 ms doubling, capped at 500
    const half = RETRY_POLICIES.relayEvent; // 500 ms doubling, capped at 60 s
    for (let i = 0; i < 200; i++) {
      for (let n = 1; n <= 8; n++) {
        const d = retryDelay(full, n);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThan(Math.min(500, 20 * 2 ** (n - 1)));
        const bound = Math.min(60_000, 500 * 2 ** (n - 1));
        const h = retryDelay(half, n);
        expect(h).toBeGreaterThanOrEqual(Math.floor(bound / 2));
        expect(h).toBeLessThan(bound);
      }
    }
    // Jittered: not every draw the same.
    expect(new Set(Array.from({ length: 50 }, () => retryDelay(full, 5))).size).toBeGreaterThan(1);
  });

  it('lets configuration replace a figure', () => {
    expect(retrySpec('tmdb', { retries: 5 })).toEqual({ ...RETRY_POLICIES.tmdb, retries: 5 });
    expect(retrySpec('relayPass', { initialDelayMs: 100 }).initialDelayMs).toBe(100);
  });
});

describe('untilDone', () => {
  it('tries again after a lost race and returns the first real answer', async () => {
    const tries: number[] = [];
    const out = await untilDone(
      quick('dynamoTransaction'),
      async (n) => {
        tries.push(n);
        return n < 3 ? TRY_AGAIN : 'committed';
      },
      () => new Error('exhausted'),
    );
    expect(out).toBe('committed');
    expect(tries).toEqual([1, 2, 3]);
  });

  it('gives up after the policy’s retries with the error it is given', async () => {
    let tries = 0;
    const run = untilDone(
      quick('dynamoTransaction'),
      async () => {
        tries++;
        return TRY_AGAIN;
      },
      () => new RangeError('too many concurrent changes'),
    );
    await expect(run).rejects.toBeInstanceOf(RangeError);
    expect(tries).toBe(8);
  });

  it('does not retry errors: the attempt decides what a lost race is', async () => {
    let tries = 0;
    const run = untilDone(
      quick('dynamoTransaction'),
      async () => {
        tries++;
        throw new TypeError('validation');
      },
      () => new Error('exhausted'),
    );
    await expect(run).rejects.toBeInstanceOf(TypeError);
    expect(tries).toBe(1);
  });
});

describe('retryPolicy', () => {
  class Retryable extends Error {
    constructor(readonly retryAfterMs?: number) {
      super('retryable');
    }
  }

  it('retries the errors it is told to, with the delay a failure asks for when it asks', async () => {
    const policy = retryPolicy(retrySpec('tmdb', { retries: 3, initialDelayMs: 1, maxDelayMs: 1 }), {
      retryOn: (err) => err instanceof Retryable,
      delayFor: (err) => (err instanceof Retryable ? err.retryAfterMs : undefined),
    });
    const delays: number[] = [];
    policy.onRetry((e) => delays.push(e.delay));
    let calls = 0;
    const out = await policy.execute(() => {
      calls++;
      if (calls === 1) throw new Retryable(30);
      if (calls === 2) throw new Retryable();
      return 'ok';
    });
    expect(out).toBe('ok');
    expect(delays[0]).toBe(30);
    expect(delays[1]).toBeLessThanOrEqual(1);
  });

  it('surfaces other errors at once, and the last retryable one when retries run out', async () => {
    const policy = retryPolicy(retrySpec('tmdb', { retries: 2, initialDelayMs: 1, maxDelayMs: 1 }), { retryOn: (err) => err instanceof Retryable });
    let calls = 0;
    await expect(
      policy.execute(() => {
        calls++;
        throw new TypeError('a 404 is an answer');
      }),
    ).rejects.toBeInstanceOf(TypeError);
    expect(calls).toBe(1);
    calls = 0;
    await expect(
      policy.execute(() => {
        calls++;
        throw new Retryable();
      }),
    ).rejects.toBeInstanceOf(Retryable);
    expect(calls).toBe(3);
  });
});

describe('DynamoDB cancellation reasons', () => {
  const c = (...reasons: string[]) => ({ reasons }) as Cancelled;
  it('tells a lost race from a failed condition', () => {
    expect(onlyConflicts(c('None', 'TransactionConflict'))).toBe(true);
    expect(onlyConflicts(c('ConditionalCheckFailed', 'None'))).toBe(false);
    expect(onlyConflicts(c('None', 'ThrottlingError'))).toBe(false);
    expect(failedCondition(c('None', 'None', 'ConditionalCheckFailed'))).toBe(2);
    expect(failedCondition(c('TransactionConflict'))).toBe(-1);
  });

  it('counts a failed version condition as a lost race under optimistic concurrency, and nothing else', () => {
    expect(lostOptimisticRace(c('ConditionalCheckFailed', 'None', 'TransactionConflict'))).toBe(true);
    for (const other of ['ValidationError', 'ThrottlingError', 'ProvisionedThroughputExceeded', 'ItemCollectionSizeLimitExceeded']) {
      expect(lostOptimisticRace(c('ConditionalCheckFailed', other))).toBe(false);
      expect(onlyConflicts(c('TransactionConflict', other))).toBe(false);
    }
  });
});
