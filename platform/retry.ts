import {
  DelegateBackoff,
  fullJitterGenerator,
  halfJitterGenerator,
  handleWhen,
  retry,
  type GeneratorFn,
  type IExponentialBackoffOptions,
  type IRetryBackoffContext,
  type RetryPolicy,
} from 'cockatiel';

/**
 * Every retry and backoff in Marquee, by name, in one table (docs/resilience.md explains each).
 * A policy is a bounded number of retries after the first try, with exponential delays capped at
 * `maxDelayMs` and jittered, so that callers which failed together do not come back together:
 * `full` draws each delay from [0, d) (AWS's "full jitter", for short contended loops), `half`
 * from [d/2, d) (for a process that must really wait before it tries again).
 */
export interface RetrySpec {
  /** Retries after the first try (cockatiel's maxAttempts). */
  retries: number;
  /** The first retry's delay bound; each further retry doubles it. */
  initialDelayMs: number;
  maxDelayMs: number;
  jitter: 'full' | 'half';
}

export const RETRY_POLICIES = {
  /**
   * DynamoDB TransactWriteItems under optimistic concurrency (ratings, follows, feed delivery):
   * another writer got there first, so read again and try again, 8 tries in all.
   */
  dynamoTransaction: { retries: 7, initialDelayMs: 20, maxDelayMs: 500, jitter: 'full' },
  /** BatchGetItem's UnprocessedKeys (throttling or the 16 MB answer limit): ask again for those. */
  dynamoBatchRead: { retries: 10, initialDelayMs: 50, maxDelayMs: 1000, jitter: 'full' },
  /** One TMDB HTTP call on a 429, 5xx or timeout; retries are TMDB_MAX_RETRIES, TMDB's Retry-After wins. */
  tmdb: { retries: 2, initialDelayMs: 200, maxDelayMs: 2000, jitter: 'full' },
  /**
   * The outbox relay's next pass after a failed one (the store or SNS unreachable). A poller has no
   * last attempt: it keeps trying at the capped delay for as long as the process runs. The first
   * delay is twice RELAY_POLL_MS.
   */
  relayPass: { retries: Number.POSITIVE_INFINITY, initialDelayMs: 1000, maxDelayMs: 30_000, jitter: 'half' },
  /**
   * One event's next try after it failed, recorded as its lease so any relay picks it up then;
   * after RelayOptions.maxAttempts (5) tries it is set aside as poison.
   */
  relayEvent: { retries: 4, initialDelayMs: 500, maxDelayMs: 60_000, jitter: 'half' },
  /** BatchWriteItem's UnprocessedItems (the feed processor's offer writes): send those again. */
  dynamoBatchWrite: { retries: 10, initialDelayMs: 50, maxDelayMs: 1000, jitter: 'full' },
  /**
   * A feed message that failed (S3 or DynamoDB unreachable, a bug): hidden this long before SQS
   * delivers it again; after FEED_MAX_RECEIVES deliveries SQS moves it to the dead-letter queue.
   */
  feedMessage: { retries: 4, initialDelayMs: 2000, maxDelayMs: 60_000, jitter: 'half' },
} as const satisfies Record<string, RetrySpec>;

export type RetryPolicyName = keyof typeof RETRY_POLICIES;

/** A named policy with some of its figures replaced (from configuration). */
export function retrySpec(name: RetryPolicyName, overrides: Partial<RetrySpec> = {}): RetrySpec {
  return { ...RETRY_POLICIES[name], ...overrides };
}

const generators: Record<RetrySpec['jitter'], GeneratorFn<number>> = { full: fullJitterGenerator, half: halfJitterGenerator };

function generatorOptions(spec: RetrySpec): IExponentialBackoffOptions<number> {
  const generator = generators[spec.jitter];
  return { generator, initialDelay: spec.initialDelayMs, maxDelay: spec.maxDelayMs, exponent: 2 };
}

/**
 * The delay before retry number `retry` (1 = the first retry), for loops that wait on a timer of
 * their own (the relay, which must be able to stop while it waits) or record the delay instead
 * of sleeping (an event's next try).
 */
export function retryDelay(spec: RetrySpec, retryNumber: number): number {
  const options = generatorOptions(spec);
  return options.generator(Math.max(0, retryNumber - 1), options)[0];
}

/** Returned by an attempt that should be tried again (a lost race, not an error). */
export const TRY_AGAIN = Symbol('try again');
export type Attempt<T> = T | typeof TRY_AGAIN;

export interface RetryPolicyOptions {
  /** Errors worth another try; without it only TRY_AGAIN results are retried and every error surfaces. */
  retryOn?: (err: unknown) => boolean;
  /** A delay the failure itself asks for (an HTTP Retry-After), instead of the computed one. */
  delayFor?: (err: unknown) => number | undefined;
}

/**
 * A cockatiel retry policy for the named spec. It retries attempts that return TRY_AGAIN and
 * errors that `retryOn` accepts. When retries run out, the last result is returned (TRY_AGAIN
 * included) or the last error thrown: `untilDone` turns a final TRY_AGAIN into an error.
 */
export function retryPolicy(spec: RetrySpec, opts: RetryPolicyOptions = {}): RetryPolicy {
  const options = generatorOptions(spec);
  const handled = handleWhen((err) => opts.retryOn?.(err) ?? false).orWhenResult((r) => r === TRY_AGAIN);
  return retry(handled, {
    maxAttempts: spec.retries,
    backoff: new DelegateBackoff<IRetryBackoffContext<unknown>, number>((ctx, state) => {
      const [computed, next] = options.generator(state, options);
      const asked = 'error' in ctx.result ? opts.delayFor?.(ctx.result.error) : undefined;
      return { delay: asked ?? computed, state: next };
    }),
  });
}

/**
 * Runs `attempt` under the named policy until it returns something other than TRY_AGAIN; when
 * every try lost its race, throws what `exhausted` makes. Errors are not retried: the attempt
 * decides what is a lost race (by error type or code) and returns TRY_AGAIN for it.
 */
export async function untilDone<T>(spec: RetrySpec, attempt: (tryNumber: number) => Promise<Attempt<T>>, exhausted: () => Error): Promise<T> {
  const result = await retryPolicy(spec).execute(({ attempt: n }) => attempt(n + 1));
  if (result === TRY_AGAIN) throw exhausted();
  return result;
}
