import type Redis from 'ioredis';
import {
  GENERATION_PREFIX,
  INVALIDATION_CHANNEL,
  publishInvalidation,
  type Dependency,
  type InvalidationMessage,
  type InvalidationSource,
} from '../../platform/cache-invalidation';

export { INVALIDATION_CHANNEL, publishInvalidation, type InvalidationMessage, type InvalidationSource } from '../../platform/cache-invalidation';

/**
 * The generation counters of the entity cache, shared by all gateway replicas through one Redis:
 * read with one MGET per lookup (memoised in memory for `memoMs`), bumped with INCR, and announced
 * on a pub/sub channel so that every replica drops its memoised values at once. A replica that
 * misses a message (reconnecting) still converges within `memoMs`.
 */
export class Generations {
  private readonly memo = new Map<Dependency, { value: string | null; until: number }>();
  private readonly listeners: ((m: InvalidationMessage) => void)[] = [];
  /**
   * Counts the invalidations heard: an MGET answered before a bump may arrive after the bump's
   * message (two connections), and must not then be memoised as current.
   */
  private heard = 0;

  constructor(
    private readonly redis: Redis,
    subscriber: Redis,
    private readonly memoMs = 500,
    private readonly now: () => number = Date.now,
  ) {
    subscriber.on('message', (channel: string, text: string) => {
      if (channel !== INVALIDATION_CHANNEL) return;
      let message: InvalidationMessage;
      try {
        message = JSON.parse(text) as InvalidationMessage;
      } catch {
        return;
      }
      if (!Array.isArray(message.deps)) return;
      this.heard++;
      for (const dep of message.deps) this.memo.delete(dep);
      for (const listener of this.listeners) listener(message);
    });
    void subscriber.subscribe(INVALIDATION_CHANNEL).catch(() => {});
  }

  onInvalidation(listener: (m: InvalidationMessage) => void): void {
    this.listeners.push(listener);
  }

  /** The memoised generations, synchronously, when all are memoised (a cache hit then costs no turn of the event loop). */
  peek(deps: readonly Dependency[]): (string | null)[] | undefined {
    const now = this.now();
    const out: (string | null)[] = [];
    for (const dep of deps) {
      const m = this.memo.get(dep);
      if (!m || m.until <= now) return undefined;
      out.push(m.value);
    }
    return out;
  }

  /** The current generation of each dependency (null: never bumped). */
  async read(deps: readonly Dependency[]): Promise<(string | null)[]> {
    const now = this.now();
    const heard = this.heard;
    const out: (string | null)[] = new Array<string | null>(deps.length).fill(null);
    const missing: number[] = [];
    deps.forEach((dep, i) => {
      const m = this.memo.get(dep);
      if (m && m.until > now) out[i] = m.value;
      else missing.push(i);
    });
    if (missing.length > 0) {
      const values = await this.redis.mget(missing.map((i) => GENERATION_PREFIX + deps[i]));
      const current = heard === this.heard;
      missing.forEach((i, j) => {
        const value = values[j] ?? null;
        out[i] = value;
        if (current) this.memo.set(deps[i], { value, until: now + this.memoMs });
      });
    }
    return out;
  }

  /** Bumps every dependency, then tells every replica. */
  async bump(deps: readonly Dependency[], committedAt?: number, source?: InvalidationSource): Promise<void> {
    this.heard++;
    for (const dep of deps) this.memo.delete(dep);
    await publishInvalidation(this.redis, deps, committedAt, source);
    for (const dep of deps) this.memo.delete(dep);
  }
}
