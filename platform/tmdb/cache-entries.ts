import type { Cache } from '../cache';

/** Seconds each kind of resource stays fresh in the cache. */
export const TTL = {
  movie: 6 * 3600,
  person: 24 * 3600,
  list: 15 * 60,
  search: 3600,
  genres: 24 * 3600,
} as const;

const CACHE_VERSION = 'v1';

/** A cached TMDB answer: kept past its freshness so it can be served stale while TMDB fails. */
export interface CacheEnvelope<T> {
  /** epoch ms after which the value is stale */
  f: number;
  v: T;
  /** A remembered not-found answer (no value). */
  nf?: 1;
}

export function decode<T>(raw: string | null | undefined): CacheEnvelope<T> | null {
  if (!raw) return null;
  try {
    return JSON.parse(raw) as CacheEnvelope<T>;
  } catch {
    return null;
  }
}

/** Query parameters in a stable order, so equal requests have equal keys. */
export function sorted(q: Record<string, string>): [string, string][] {
  return Object.entries(q).sort(([a], [b]) => a.localeCompare(b));
}

/** TMDB answers in the shared cache (platform/cache.ts), per language, in CacheEnvelopes. */
export class TmdbCache {
  constructor(
    private readonly cache: Cache,
    private readonly language: string | undefined,
    /** How long a cached copy stays usable, past its TTL, when TMDB is failing. */
    private readonly staleSeconds = 7 * 24 * 3600,
  ) {}

  key(resource: string): string {
    return `tmdb:${CACHE_VERSION}:${this.language ?? 'default'}:${resource}`;
  }

  getMany(keys: string[]): Promise<(string | null)[]> {
    return this.cache.getMany(keys);
  }

  async store(entries: { key: string; value: unknown; ttl: number }[]): Promise<void> {
    await this.cache.setMany(
      entries.map((e) => ({
        key: e.key,
        value: JSON.stringify({ f: Date.now() + e.ttl * 1000, v: e.value } satisfies CacheEnvelope<unknown>),
        ttlSeconds: e.ttl + this.staleSeconds,
      })),
    );
  }

  async storeNotFound(key: string, ttl: number): Promise<void> {
    await this.cache.setMany([{ key, value: JSON.stringify({ f: Date.now() + ttl * 1000, v: null, nf: 1 } satisfies CacheEnvelope<null>), ttlSeconds: ttl }]);
  }
}
