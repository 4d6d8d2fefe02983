/**
 * `deepMerge` of `@apollo/gateway/dist/utilities/deepMerge`: executeQueryPlan merges every entity
 * answer into the result with it. Apollo's reads `source[key]`/`target[key]` up to six times per
 * key and allocates an `Object.keys` array per object; on large deep answers that shows in the
 * profile (3.2 %). This one reads each value once and walks own keys with `for…in`, with the same
 * semantics: undefined skipped, own property defined over an inherited one, objects merged,
 * arrays of equal length merged by index, anything else (nulls included) assigned.
 * Order of visits is Apollo's (depth first, keys in order), so aliased inputs merge the same way.
 */
const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

type Tree = Record<string, unknown>;

function isObject(v: unknown): v is Tree {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function deepMerge(target: Tree, source: unknown): Tree {
  if (source === undefined || source === null) return target;
  const src = source as Tree;
  for (const key in src) {
    if (!hasOwn(src, key)) continue;
    const s = src[key];
    if (s === undefined) continue;
    if (!hasOwn(target, key) && key in target) {
      Object.defineProperty(target, key, { configurable: true, enumerable: true, value: undefined, writable: true });
    }
    const t = target[key];
    if (t && isObject(s)) {
      deepMerge(t as Tree, s);
    } else if (Array.isArray(s) && Array.isArray(t) && s.length === t.length) {
      for (let i = 0; i < s.length; i++) {
        const si: unknown = s[i];
        const ti: unknown = t[i];
        if (isObject(ti) && isObject(si)) deepMerge(ti, si);
        else t[i] = si;
      }
    } else {
      target[key] = s;
    }
  }
  return target;
}

/** Puts `deepMerge` in place of Apollo's: executeQueryPlan calls `deepMerge_1.deepMerge` through the module object. */
export function install(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the module object executeQueryPlan reads
  const mod = require('@apollo/gateway/dist/utilities/deepMerge') as { deepMerge: unknown };
  mod.deepMerge = deepMerge;
}
