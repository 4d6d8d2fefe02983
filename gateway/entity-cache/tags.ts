/**
 * The vocabulary of the entity cache (issue #19), kept free of I/O so that the gateway's cache, the
 * event consumer and the operator endpoint agree on it.
 *
 * Invalidation uses versioned keys, never KEYS or SCAN: every entry depends on a few generation
 * counters (its subgraph, its type, its entity, its `@cacheTag` tags); an entry's key includes the
 * generations read at lookup (one MGET), so INCR'ing any of them makes the entry unreachable in
 * every replica at once, and the old value simply expires by its TTL.
 *
 * The part the writers share (generation keys, dependency names, the invalidation message) is
 * platform/cache-invalidation.ts: the notifications relay bumps generations without the gateway's code.
 */
import { dependency, stableJson, type Dependency, type EntityKey } from '../../platform/cache-invalidation';

export { dependency, GENERATION_PREFIX, stableJson, type Dependency, type EntityKey } from '../../platform/cache-invalidation';

/** One request of Apollo Router's invalidation JSON shape (a body is a list of them). */
export type InvalidationRequest =
  | { kind: 'subgraph'; subgraph: string }
  | { kind: 'type'; subgraph: string; type: string }
  | { kind: 'entity'; subgraph: string; type: string; key: EntityKey }
  | { kind: 'cache_tag'; subgraphs?: string[]; cache_tag: string };

/** The key fields of a representation (`__typename` dropped). */
export function keyOf(representation: Record<string, unknown>): EntityKey {
  const { __typename: _typename, ...key } = representation;
  return key;
}

const PLACEHOLDER = /\{\$key\.([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\}/g;

/**
 * Renders an Apollo `@cacheTag(format:)` for one entity: `"movie-{$key.id}"` with `{ id: "550" }`
 * is `"movie-550"`. Undefined when the key lacks a referenced field or it is not a scalar, so that
 * a tag never silently collapses onto another entity's.
 */
export function renderCacheTag(format: string, key: EntityKey): string | undefined {
  let missing = false;
  const tag = format.replace(PLACEHOLDER, (_m, path: string) => {
    let value: unknown = key;
    for (const part of path.split('.')) {
      value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
    }
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
    missing = true;
    return '';
  });
  return missing ? undefined : tag;
}

/** `@cacheTag` formats per entity type, as the subgraph SDL or the gateway's config declares them. */
export type CacheTagFormats = ReadonlyMap<string, readonly string[]>;

/** What one cached entity entry depends on: its subgraph, type, entity and rendered tags. */
export function entityDependencies(subgraph: string, type: string, key: EntityKey, formats: CacheTagFormats): Dependency[] {
  const deps = [dependency.subgraph(subgraph), dependency.type(subgraph, type), dependency.entity(type, key)];
  for (const format of formats.get(type) ?? []) {
    const tag = renderCacheTag(format, key);
    if (tag !== undefined) deps.push(dependency.tag(tag));
  }
  return deps;
}

/** The generation counters one invalidation request bumps. */
export function dependencyOf(request: InvalidationRequest): Dependency {
  switch (request.kind) {
    case 'subgraph':
      return dependency.subgraph(request.subgraph);
    case 'type':
      return dependency.type(request.subgraph, request.type);
    case 'entity':
      return dependency.entity(request.type, request.key);
    case 'cache_tag':
      return dependency.tag(request.cache_tag);
  }
}

function nonEmptyString(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= 512;
}

/**
 * Validates an invalidation body in Apollo Router's shape (one request or a list). Returns the
 * requests, or the first problem as a message naming the offending index.
 */
export function parseInvalidation(body: unknown): { requests: InvalidationRequest[] } | { error: string } {
  const list: unknown[] = Array.isArray(body) ? body : [body];
  if (list.length === 0 || list.length > 1000) return { error: 'expected 1 to 1000 invalidation requests' };
  const requests: InvalidationRequest[] = [];
  for (const [i, item] of list.entries()) {
    if (item === null || typeof item !== 'object') return { error: `[${i}]: expected an object` };
    const r = item as Record<string, unknown>;
    switch (r.kind) {
      case 'subgraph':
        if (!nonEmptyString(r.subgraph)) return { error: `[${i}].subgraph: expected a name` };
        requests.push({ kind: 'subgraph', subgraph: r.subgraph });
        break;
      case 'type':
        if (!nonEmptyString(r.subgraph)) return { error: `[${i}].subgraph: expected a name` };
        if (!nonEmptyString(r.type)) return { error: `[${i}].type: expected a type name` };
        requests.push({ kind: 'type', subgraph: r.subgraph, type: r.type });
        break;
      case 'entity':
        if (!nonEmptyString(r.subgraph)) return { error: `[${i}].subgraph: expected a name` };
        if (!nonEmptyString(r.type)) return { error: `[${i}].type: expected a type name` };
        if (r.key === null || typeof r.key !== 'object' || Array.isArray(r.key) || Object.keys(r.key).length === 0)
          return { error: `[${i}].key: expected the entity's key fields` };
        requests.push({ kind: 'entity', subgraph: r.subgraph, type: r.type, key: r.key as EntityKey });
        break;
      case 'cache_tag': {
        if (!nonEmptyString(r.cache_tag)) return { error: `[${i}].cache_tag: expected a tag` };
        const subgraphs = r.subgraphs;
        if (subgraphs !== undefined && !(Array.isArray(subgraphs) && subgraphs.every(nonEmptyString)))
          return { error: `[${i}].subgraphs: expected a list of names` };
        requests.push(
          subgraphs === undefined ? { kind: 'cache_tag', cache_tag: r.cache_tag } : { kind: 'cache_tag', subgraphs: subgraphs, cache_tag: r.cache_tag },
        );
        break;
      }
      default:
        return { error: `[${i}].kind: expected subgraph, type, entity or cache_tag` };
    }
  }
  return { requests };
}

/**
 * The cache key of an entity entry: subgraph, type, key, the selection's hash, the authorisation
 * scope (`public` or the caller) and the generations of its dependencies at lookup.
 */
export function entityEntryKey(parts: {
  subgraph: string;
  type: string;
  key: EntityKey;
  selectionHash: string;
  scope: string;
  generations: readonly (number | string | null)[];
}): string {
  const gens = parts.generations.map((g) => (g === null ? '0' : String(g))).join('.');
  return `marquee:ecache:v1:${parts.subgraph}:${parts.type}:${stableJson(parts.key)}:${parts.selectionHash}:${parts.scope}:${gens}`;
}
