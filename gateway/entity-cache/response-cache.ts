import { createHash } from 'node:crypto';
import type { GraphQLRequestContext } from '@apollo/server';
import type { KeyValueCache, KeyValueCacheSetOptions } from '@apollo/utils.keyvaluecache';
import { LRUCache } from 'lru-cache';
import type { RequestDependencies } from './fetch-deps';
import { generationsOf } from './fetch-deps';
import type { Generations } from './generations';
import type { Dependency } from './tags';

/** What a stored response was built under: the dependencies of its fetches and their generations. */
interface Stamp {
  d: Dependency[];
  g: (string | null)[];
}

/**
 * Makes the response cache (@apollo/server-plugin-response-cache) obey the entity cache's
 * invalidation: each stored response carries the generations its subgraph fetches were made
 * under, and a hit whose generations are no longer all current is a miss. So a rating event
 * reaches whole cached responses too, within the same second, in every replica.
 *
 * The plugin calls `generateCacheKey` with the request just before it stores (synchronously, in
 * the same turn), which is where the request's dependencies are taken; `set` then finds them by
 * key. Lookups happen before any fetch, when the request has none.
 */
export class DependentResponseCache {
  private readonly stamps = new LRUCache<string, Stamp>({ max: 1000 });

  constructor(
    private readonly generations: Generations,
    private readonly dependenciesOf: (contextValue: Record<string, unknown>) => RequestDependencies | undefined,
  ) {}

  /** The plugin's `generateCacheKey`: its own key (a SHA-256 of the key data), noting the request's stamp. */
  readonly generateCacheKey = (requestContext: GraphQLRequestContext<Record<string, unknown>>, keyData: unknown): string => {
    const key = createHash('sha256').update(JSON.stringify(keyData)).digest('hex');
    const deps = this.dependenciesOf(requestContext.contextValue);
    if (deps && !deps.unknown && deps.generations.size > 0) this.stamps.set(key, { d: [...deps.generations.keys()], g: [...deps.generations.values()] });
    return key;
  };

  wrap(inner: KeyValueCache<string>): KeyValueCache<string> {
    return {
      get: async (key) => {
        const value = await inner.get(key);
        if (value === undefined) return undefined;
        const nl = value.indexOf('\n');
        let stamp: Stamp;
        try {
          stamp = JSON.parse(value.slice(0, nl)) as Stamp;
        } catch {
          return undefined;
        }
        if (!Array.isArray(stamp.d) || !Array.isArray(stamp.g) || stamp.d.length !== stamp.g.length) return undefined;
        if (stamp.d.length > 0) {
          const now = await generationsOf(this.generations, stamp.d);
          if (!now || now.some((g, i) => g !== stamp.g[i])) return undefined;
        }
        return value.slice(nl + 1);
      },
      set: (key, value, options?: KeyValueCacheSetOptions) => {
        // The plugin prefixes its keys (`fqc:`): the stamp was noted under the key it generated.
        // None: the response made no subgraph fetch.
        const stamp = this.stamps.get(key.slice(key.indexOf(':') + 1)) ?? { d: [], g: [] };
        return inner.set(key, `${JSON.stringify(stamp)}\n${value}`, options);
      },
      delete: (key) => inner.delete(key),
    };
  }
}
