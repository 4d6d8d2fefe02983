import type Redis from 'ioredis';
import { GENERATION_PREFIX, type Dependency } from './tags';

export const INVALIDATION_CHANNEL = 'marquee:ecache:invalidate';

/** What a replica hears when any replica (or the relay) bumps generations. */
export interface InvalidationMessage {
  deps: Dependency[];
  /** When the write that caused it committed (ms since the epoch), for the commit-to-invalidation lag. */
  committedAt?: number;
}

/**
 * The generation counters of the entity cache, shared by all gateway replicas through one Redis:
 * read with one MGET per lookup (memoised in memory for `memoMs`), bumped with INCR, and announced
 * on a pub/sub channel so that every replica drops its memoised values at once. A replica that
 * misses a message (reconnecting) still converges within `memoMs`.
 */
export class Generations {
  private readonly memo = new Map<Dependency, { value: string | null; until: number }>();
  private readonly listeners: ((m: InvalidationMessage) => void)[] = [];

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
      for (const dep of message.deps) this.memo.delete(dep);
      for (const listener of this.listeners) listener(message);
    });
    void subscriber.subscribe(INVALIDATION_CHANNEL).catch(() => {});
  }

  onInvalidation(listener: (m: InvalidationMessage) => void): void {
    this.listeners.push(listener);
  }

  /** The current generation of each dependency (null: never bumped). */
  async read(deps: readonly Dependency[]): Promise<(string | null)[]> {
    const now = this.now();
    const out: (string | null)[] = new Array<string | null>(deps.length).fill(null);
    const missing: number[] = [];
    deps.forEach((dep, i) => {
      const m = this.memo.get(dep);
      if (m && m.until > now) out[i] = m.value;
      else missing.push(i);
    });
    if (missing.length > 0) {
      const values = await this.redis.mget(missing.map((i) => GENERATION_PREFIX + deps[i]));
      missing.forEach((i, j) => {
        const value = values[j] ?? null;
        out[i] = value;
        this.memo.set(deps[i], { value, until: now + this.memoMs });
      });
    }
    return out;
  }

  /** Bumps every dependency, then tells every replica. */
  async bump(deps: readonly Dependency[], committedAt?: number): Promise<void> {
    if (deps.length === 0) return;
    const pipeline = this.redis.multi();
    for (const dep of deps) pipeline.incr(GENERATION_PREFIX + dep);
    await pipeline.exec();
    for (const dep of deps) this.memo.delete(dep);
    const message: InvalidationMessage = { deps: [...deps], ...(committedAt === undefined ? {} : { committedAt }) };
    await this.redis.publish(INVALIDATION_CHANNEL, JSON.stringify(message));
  }
}
