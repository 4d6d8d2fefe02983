import { Kind, parse, type DocumentNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';
import type { Experimental_DidResolveQueryPlanCallback } from '@apollo/gateway';

/**
 * Which parts of a subgraph answer one request may write into, so that several requests can
 * share one parsed answer.
 *
 * `@apollo/gateway` builds each request's result by merging subgraph answers into one another:
 * a later fetch adds its fields to the objects an earlier fetch returned (and sets `__typename`
 * on the entities it receives). Everything else in an answer is only read (result shaping
 * builds a fresh response tree). So a request that shares an answer needs its own copy only of
 * the objects on the way to where another fetch of the same plan writes; the rest — most of a
 * leaf fetch, the films' posters, genres and cast below the entities — can be one object for
 * all. Reading the plan once gives those paths for each fetch (its *recipe*); with no recipe
 * (a plan we do not analyse: @defer, rewrites) the caller copies the whole answer, as before.
 */
type QueryPlan = Parameters<Experimental_DidResolveQueryPlanCallback>[0]['queryPlan'];
type PlanNode = NonNullable<QueryPlan['node']>;
type FetchNode = Extract<PlanNode, { kind: 'Fetch' }>;

/** Response keys, nested: the objects (and arrays, element by element) to copy below an answer's data. */
export type CopyTrie = Map<string, CopyTrie>;

export interface Recipe {
  /** An entity fetch: the answer's objects sit under `_entities`, one per representation. */
  entities: boolean;
  trie: CopyTrie;
}

/** Recipes of one plan, by subgraph name and fetch operation text (what a data source sees). */
export type PlanRecipes = Map<string, Recipe>;

export const recipeKey = (subgraph: string, operation: string) => `${subgraph}\n${operation}`;

interface PlacedFetch {
  fetch: FetchNode;
  /** Where its answer is merged: response keys from the root, list levels left out. */
  path: string[];
}

/**
 * Lists every fetch with its merge path, and which fetches finish before others start (the steps
 * of a Sequence). False for plans whose execution we do not model.
 */
function placeFetches(node: PlanNode | undefined, path: string[], out: PlacedFetch[], before: Set<string>): boolean {
  if (!node) return true;
  switch (node.kind) {
    case 'Fetch':
      // Rewrites change the received data in place, and @defer changes when merges happen.
      if (node.outputRewrites?.length || node.hasDefers) return false;
      out.push({ fetch: node, path });
      return true;
    case 'Flatten':
      return placeFetches(node.node, [...path, ...node.path.filter((p): p is string => typeof p === 'string' && p !== '@')], out, before);
    case 'Parallel':
      return node.nodes.every((n) => placeFetches(n, path, out, before));
    case 'Sequence': {
      const steps: number[][] = [];
      for (const n of node.nodes) {
        const first = out.length;
        if (!placeFetches(n, path, out, before)) return false;
        steps.push(out.map((_, i) => i).slice(first));
      }
      steps.forEach((earlier, s) => {
        for (const later of steps.slice(s + 1).flat()) for (const e of earlier) before.add(`${e}<${later}`);
      });
      return true;
    }
    case 'Condition':
      return placeFetches(node.ifClause, path, out, before) && placeFetches(node.elseClause, path, out, before);
    default:
      return false;
  }
}

function addPath(trie: CopyTrie, path: readonly string[]): void {
  let t = trie;
  for (const key of path) {
    let next = t.get(key);
    if (!next) t.set(key, (next = new Map<string, CopyTrie>()));
    t = next;
  }
}

/** Every response-key path a fetch's selection can write (objects, lists and scalars alike: merging a list writes into the list already there). */
function selectionPaths(
  selectionSet: SelectionSetNode,
  fragments: Map<string, FragmentDefinitionNode>,
  prefix: string[],
  out: string[][],
  seen = new Set<string>(),
): void {
  for (const sel of selectionSet.selections) {
    if (sel.kind === Kind.FIELD) {
      const path = [...prefix, sel.alias?.value ?? sel.name.value];
      out.push(path);
      if (sel.selectionSet) selectionPaths(sel.selectionSet, fragments, path, out, seen);
    } else if (sel.kind === Kind.INLINE_FRAGMENT) {
      selectionPaths(sel.selectionSet, fragments, prefix, out, seen);
    } else {
      const fragment = fragments.get(sel.name.value);
      if (fragment && !seen.has(sel.name.value)) selectionPaths(fragment.selectionSet, fragments, prefix, out, new Set(seen).add(sel.name.value));
    }
  }
}

/** The paths (from the root of the result) that a fetch may write when its answer is merged. */
function writePaths(placed: PlacedFetch, doc: DocumentNode): string[][] {
  const fragments = new Map<string, FragmentDefinitionNode>();
  let operation: SelectionSetNode | undefined;
  for (const def of doc.definitions) {
    if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
    else if (def.kind === Kind.OPERATION_DEFINITION) operation = def.selectionSet;
  }
  const out: string[][] = [placed.path];
  if (!operation) return out;
  if (placed.fetch.requires) {
    // Entity fetch: what it writes is the selection inside `_entities(representations: …)`.
    for (const sel of operation.selections) if (sel.kind === Kind.FIELD && sel.selectionSet) selectionPaths(sel.selectionSet, fragments, placed.path, out);
  } else {
    selectionPaths(operation, fragments, placed.path, out);
  }
  return out;
}

function startsWith(path: readonly string[], prefix: readonly string[]): boolean {
  return prefix.length <= path.length && prefix.every((k, i) => path[i] === k);
}

/** Reads a query plan: for each fetch, which of its answer's objects another fetch may write into. */
export function planRecipes(plan: QueryPlan): PlanRecipes | null {
  if (!plan.node) return new Map();
  const placed: PlacedFetch[] = [];
  const before = new Set<string>();
  if (!placeFetches(plan.node, [], placed, before)) return null;
  const writes = placed.map((p) => writePaths(p, parse(p.fetch.operation, { noLocation: true })));
  const recipes: PlanRecipes = new Map();
  placed.forEach((f, i) => {
    const key = recipeKey(f.fetch.serviceName, f.fetch.operation);
    // The same operation twice in one plan (two paths): one recipe covering both places.
    const recipe = recipes.get(key) ?? { entities: Boolean(f.fetch.requires), trie: new Map<string, CopyTrie>() };
    writes.forEach((paths, j) => {
      // A fetch that is done before this one is merged cannot write into its objects.
      if (j === i || before.has(`${j}<${i}`)) return;
      for (const w of paths) if (startsWith(w, f.path)) addPath(recipe.trie, w.slice(f.path.length));
    });
    recipes.set(key, recipe);
  });
  return recipes;
}

const cache = new WeakMap<QueryPlan, PlanRecipes | null>();

/** planRecipes, once per plan object (the gateway caches its plans, so most requests hit). */
export function recipesOf(plan: QueryPlan): PlanRecipes | null {
  let r = cache.get(plan);
  if (r === undefined) {
    try {
      r = planRecipes(plan);
    } catch {
      // A plan we cannot read is served as before: whole copies.
      r = null;
    }
    cache.set(plan, r);
  }
  return r;
}

function copyAlong(value: unknown, trie: CopyTrie): unknown {
  if (Array.isArray(value)) return value.map((v) => copyAlong(v, trie));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const [key, sub] of trie) if (Object.hasOwn(out, key)) out[key] = copyAlong(out[key], sub);
  return out;
}

/**
 * This request's view of a shared answer's data: fresh objects where the plan may write (and at
 * the top, and each entity, which the gateway labels with `__typename`), the shared ones elsewhere.
 */
export function shareAlong(data: Record<string, unknown> | null | undefined, recipe: Recipe): Record<string, unknown> | null | undefined {
  if (!data) return data;
  if (!recipe.entities) return copyAlong(data, recipe.trie) as Record<string, unknown>;
  const entities = data._entities;
  return { ...data, _entities: Array.isArray(entities) ? entities.map((e) => copyAlong(e, recipe.trie)) : entities };
}

/** For tests: makes any write into a shared answer throw (the gateway's code is strict mode). */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
