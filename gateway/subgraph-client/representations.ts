import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';

/**
 * Entity fetches with each distinct representation sent once.
 *
 * `@apollo/gateway` sends one representation per entity it found at the fetch's path, repeats
 * included: a deep answer that reaches the same product through 96 reviews asks the subgraph for
 * it 96 times, and parses, merges and garbage-collects its answer 96 times. Apollo Router and Hive
 * Gateway send each distinct representation once; so does this. Before sending, identical
 * representations (same JSON text) are folded into one; the subgraph's `_entities` answer is
 * unfolded again, each position given the answer of its representation, so the gateway sees an
 * answer of the length and order it asked for. Positions that share a representation share the
 * answer object: the gateway merges later fetches into it once per position, with the same data
 * (the same representation gives the same answer), which changes nothing.
 *
 * Errors at `_entities.<i>` are given again for every position folded into `i`, in position
 * order, as the subgraph would have reported them for each repeat. What is not an `_entities`
 * answer of the folded length is handed on untouched (the gateway then reports the subgraph's
 * mistake as it would have).
 */
export interface Folding {
  /** The variables to send: `representations` holding each distinct one once. */
  variables: Record<string, unknown>;
  /** For every original position, the index of its representation among the distinct ones. */
  positions: number[];
  distinct: number;
}

/** Folds repeated representations; undefined when there is nothing to fold (no entity fetch, no repeats). */
export function foldRepresentations(variables: Record<string, unknown> | undefined): Folding | undefined {
  const reps = variables?.representations;
  if (!Array.isArray(reps) || reps.length < 2) return undefined;
  const seen = new Map<string, number>();
  const distinct: unknown[] = [];
  const positions = new Array<number>(reps.length);
  for (let i = 0; i < reps.length; i++) {
    const rep: unknown = reps[i];
    const key = JSON.stringify(rep);
    let at = seen.get(key);
    if (at === undefined) {
      at = distinct.length;
      seen.set(key, at);
      distinct.push(rep);
    }
    positions[i] = at;
  }
  if (distinct.length === reps.length) return undefined;
  // Same keys in the same order: only the representations' value changes.
  return { variables: { ...variables, representations: distinct }, positions, distinct: distinct.length };
}

type ResponseData = Record<string, unknown> | null | undefined;

/** The answer as if every position had been sent: `_entities` and its errors unfolded. */
export function unfoldAnswer(
  folding: Folding,
  data: ResponseData,
  errors: GatewayGraphQLResponse['errors'],
): { data: ResponseData; errors: GatewayGraphQLResponse['errors'] } {
  const entities = data?._entities;
  if (!data || !Array.isArray(entities) || entities.length !== folding.distinct) return { data, errors };
  const { positions } = folding;
  const unfolded = new Array<unknown>(positions.length);
  for (let i = 0; i < positions.length; i++) unfolded[i] = entities[positions[i]];
  return { data: { ...data, _entities: unfolded }, errors: errors && unfoldErrors(errors, positions) };
}

type Located = { readonly path?: readonly (string | number)[] };

function entityIndex(error: Located): number | undefined {
  const path = error.path;
  return path && path[0] === '_entities' && typeof path[1] === 'number' ? path[1] : undefined;
}

/**
 * Errors of a folded `_entities` answer in the numbering of the unfolded one: each error at
 * `_entities.<i>` once for every position folded into `i` (`positions[p]` is the folded index of
 * position `p`), sorted by position; any other error stays right after the one before it.
 */
export function unfoldErrors<E extends Located>(errors: readonly E[], positions: readonly number[]): E[] {
  if (!errors.some((e) => entityIndex(e) !== undefined)) return [...errors];
  const byDistinct = new Map<number, number[]>();
  positions.forEach((d, i) => {
    const list = byDistinct.get(d);
    if (list) list.push(i);
    else byDistinct.set(d, [i]);
  });
  const out: { at: number; error: E }[] = [];
  let last = -1;
  for (const error of errors) {
    const d = entityIndex(error);
    const at = d === undefined ? undefined : byDistinct.get(d);
    if (!at) {
      out.push({ at: last, error });
      continue;
    }
    for (const i of at) out.push({ at: i, error: { ...error, path: ['_entities', i, ...error.path!.slice(2)] } });
    last = at[0];
  }
  // Stable: errors of one position keep the subgraph's order.
  return out.sort((a, b) => a.at - b.at).map((e) => e.error);
}
