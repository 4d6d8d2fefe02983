import { MOVIE_CACHE_TAG_FORMAT } from '../../platform/cache-invalidation';
import { dependency, entityDependencies, keyOf, type CacheTagFormats, type Dependency } from './tags';
import type { Generations } from './generations';

/** The `@cacheTag` formats the gateway renders: every Movie is tagged `movie-<id>`. */
export const CACHE_TAGS: CacheTagFormats = new Map([['Movie', [MOVIE_CACHE_TAG_FORMAT]]]);

/**
 * What one subgraph fetch's answer depends on: its subgraph, and for an `_entities` fetch each
 * representation's type and entity (and rendered tags). Representations carry key fields only
 * (the supergraph has no `@requires`), so a representation is its entity's key. A root-field
 * fetch depends on its subgraph only: entity and tag invalidations reach the entities the gateway
 * asked for by representation, not those a root field returned.
 */
export function fetchDependencies(subgraph: string, variables: Record<string, unknown> | undefined, formats: CacheTagFormats = CACHE_TAGS): Dependency[] {
  const deps = new Set<Dependency>([dependency.subgraph(subgraph)]);
  const representations = variables?.representations;
  if (Array.isArray(representations)) {
    for (const rep of representations) {
      if (rep === null || typeof rep !== 'object') continue;
      const { __typename } = rep as { __typename?: unknown };
      if (typeof __typename !== 'string') continue;
      for (const dep of entityDependencies(subgraph, __typename, keyOf(rep as Record<string, unknown>), formats)) deps.add(dep);
    }
  }
  return [...deps];
}

/**
 * The generations one request's fetches were made under, for the response cache: an entry stored
 * from them is valid while they are all current. `unknown` when a fetch could not read them
 * (Redis down): the response is then not stored.
 */
export class RequestDependencies {
  readonly generations = new Map<Dependency, string | null>();
  unknown = false;

  record(deps: readonly Dependency[], generations: readonly (string | null)[] | undefined): void {
    if (!generations) {
      this.unknown = true;
      return;
    }
    deps.forEach((dep, i) => {
      const seen = this.generations.get(dep);
      // Two fetches under different generations of one dependency: a write came in between, and
      // the response mixes before and after. Not stored.
      if (seen !== undefined && seen !== generations[i]) this.unknown = true;
      this.generations.set(dep, generations[i]);
    });
  }
}

/** The generations of `deps`, memoised or read from Redis; undefined when Redis cannot say. */
export function generationsOf(generations: Generations, deps: readonly Dependency[]): (string | null)[] | Promise<(string | null)[] | undefined> {
  return (
    generations.peek(deps) ??
    generations.read(deps).then(
      (g) => g,
      () => undefined,
    )
  );
}

/** The generations as one key part (`0` for a counter never bumped). */
export function generationsPart(generations: readonly (string | null)[]): string {
  return generations.map((g) => g ?? '0').join('.');
}
