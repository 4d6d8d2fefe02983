import { LRUCache } from 'lru-cache';
import { RecentWriters, storableFor, type Hint, type Hit, type SubgraphAnswerCache } from '../subgraph-cache';
import { answerFromText, type Answer } from './answer';

/** A cache hit: the answer, and what it adds to the response's cache policy now (the seconds it has left). */
export interface CacheAnswer {
  answer: Answer;
  hint: Hint;
}

/**
 * One subgraph client's use of the subgraph cache (gateway/subgraph-cache.ts): public answers of
 * queries are kept for their max-age and served to anyone without a call, except to a caller who
 * has just written through this subgraph (read-your-own-writes, RecentWriters).
 */
export class CacheUse {
  /** Answers already written to the cache (a shared answer reaches several callers). */
  private readonly stored = new WeakSet<Answer>();
  private readonly writers = new RecentWriters();
  /** The answers of recent cache hits, parsed once, by cache key (with the text they were parsed from). */
  private readonly hitAnswers = new LRUCache<string, { text: string; answer: Answer }>({
    maxSize: 16 * 1024 * 1024,
    sizeCalculation: (e) => e.text.length * 3 + 64,
  });

  constructor(
    private readonly cache: SubgraphAnswerCache,
    private readonly subgraph: string,
    private readonly url: string,
    private readonly freezeSharedAnswers: boolean,
  ) {}

  key(body: string): string {
    return this.cache.key(this.subgraph, this.url, body);
  }

  /** `caller` has just sent a mutation through this subgraph. */
  wrote(caller: string): void {
    this.writers.wrote(caller);
  }

  /** Whether `caller` wrote recently enough that kept answers may not show the write. */
  wroteRecently(caller: string): boolean {
    return this.writers.has(caller);
  }

  /** Synchronous for an in-process hit, so that it costs no turn of the event loop. */
  lookup(key: string): CacheAnswer | Promise<CacheAnswer | undefined> | undefined {
    const hit = this.cache.peek(key);
    if (hit || !this.cache.shared) return this.result(key, hit);
    return this.cache.lookup(key).then((h) => this.result(key, h));
  }

  /** Stores a public answer under `key` (the lookup's, or computed here when there was no lookup). */
  remember(key: string | (() => string), answer: Answer): void {
    if (!answer.isPublic) return;
    this.writers.saw(answer.hint.maxAge);
    if (this.stored.has(answer)) return;
    this.stored.add(answer);
    const { json, body } = answer.serialized();
    const seconds = storableFor(answer.hint, body);
    if (seconds > 0) this.cache.store(typeof key === 'string' ? key : key(), json, seconds);
  }

  private result(key: string, hit: Hit | undefined): CacheAnswer | undefined {
    this.cache.count(this.subgraph, hit ? 'hit' : 'miss');
    if (!hit) return undefined;
    this.writers.saw(hit.maxAge);
    const { text } = hit;
    // The same entry again: its parsed answer is shared like a deduplicated one (copied where written).
    let reused = this.hitAnswers.get(key);
    if (reused?.text !== text) {
      reused = { text, answer: answerFromText(this.subgraph, text, 'public', this.freezeSharedAnswers) };
      this.hitAnswers.set(key, reused);
    }
    return { answer: reused.answer, hint: { maxAge: hit.maxAge, scope: 'PUBLIC' } };
  }
}
