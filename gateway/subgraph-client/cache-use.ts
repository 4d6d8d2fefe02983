import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { stableJson } from '../entity-cache/tags';
import { RecentWriters, storableFor, type Hint, type Hit, type SubgraphAnswerCache } from '../subgraph-cache';
import { answerFromText, type Answer } from './answer';
import type { KeptEntity } from './entity-split';

/** An entity from the per-entity cache, parsed for this request alone, and the whole seconds it has left. */
export interface EntityHit extends KeptEntity {
  maxAge: number;
}

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
  /** Entity answers whose entities are already written to the cache. */
  private readonly storedEntities = new WeakSet<Answer>();
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

  /**
   * What an entity entry's key says was asked of the entity, hashed: the subgraph's URL (see
   * SubgraphAnswerCache.key), the fetch's operation and its variables other than the representations.
   */
  selection(query: string, variables: Record<string, unknown>): string {
    const { representations: _representations, ...others } = variables;
    return createHash('sha256').update(this.url).update('\n').update(query).update('\n').update(stableJson(others)).digest('base64url');
  }

  /**
   * The kept entity of every key (undefined: none, or no key). Synchronous when the in-process
   * tier answers them all; otherwise one Redis MGET for the rest.
   */
  lookupEntities(keys: readonly (string | undefined)[]): (EntityHit | undefined)[] | Promise<(EntityHit | undefined)[]> {
    const out = keys.map((key) => (key === undefined ? undefined : this.cache.peek(key)));
    const rest: number[] = [];
    if (this.cache.shared) keys.forEach((key, i) => key !== undefined && !out[i] && rest.push(i));
    if (rest.length === 0) return this.entityHits(keys, out);
    return this.cache.lookupMany(rest.map((i) => keys[i]!)).then((found) => {
      rest.forEach((i, j) => (out[i] = found[j]));
      return this.entityHits(keys, out);
    });
  }

  /**
   * Stores each entity of a public `_entities` answer under its key (`keys[i]` for the `i`th
   * entity sent; undefined: not kept), except those `storable` says not to, for the answer's max-age.
   */
  rememberEntities(answer: Answer, keys: readonly (string | undefined)[], storable: readonly boolean[]): void {
    if (!answer.isPublic) return;
    this.writers.saw(answer.hint.maxAge);
    if (this.storedEntities.has(answer)) return;
    this.storedEntities.add(answer);
    const { body } = answer.serialized();
    const seconds = storableFor(answer.hint, {});
    const entities = body.data?._entities;
    if (seconds <= 0 || !Array.isArray(entities) || entities.length !== keys.length) return;
    keys.forEach((key, i) => {
      if (key !== undefined && storable[i]) this.cache.store(key, JSON.stringify(entities[i]) ?? 'null', seconds);
    });
  }

  /** An entity fetch's lookup as one of the subgraph cache's: a hit when no call was made. */
  countLookup(result: 'hit' | 'miss'): void {
    this.cache.count(this.subgraph, result);
  }

  private entityHits(keys: readonly (string | undefined)[], hits: readonly (Hit | undefined)[]): (EntityHit | undefined)[] {
    let found = 0;
    const out = hits.map((hit): EntityHit | undefined => {
      if (!hit) return undefined;
      found++;
      this.writers.saw(hit.maxAge);
      // Parsed for this request alone: the gateway merges into it.
      return { value: JSON.parse(hit.text) as unknown, maxAge: hit.maxAge };
    });
    const looked = keys.filter((k) => k !== undefined).length;
    this.cache.countEntities(this.subgraph, found, looked - found);
    return out;
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
