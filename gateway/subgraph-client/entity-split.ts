import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { unfoldErrors } from './representations';

/**
 * An `_entities` fetch through the per-entity cache: the representations whose entities are kept
 * are answered from the cache, only the missing ones are sent (each distinct one once when
 * folding), and the subgraph's answer is put back together in the order the gateway asked for,
 * with its errors at `_entities.<i>` renumbered to the positions they belong to. The gateway sees
 * the answer it would have had from sending every representation.
 *
 * Free of I/O: the fetch itself is the caller's (`EntityFetch`), so the split can be tested
 * against a fake of it.
 */

/** A kept entity (null: the subgraph answered null for it). */
export interface KeptEntity {
  value: unknown;
}

type ResponseData = Record<string, unknown> | null | undefined;
type Errors = GatewayGraphQLResponse['errors'];

/** The answer to the representations sent. */
export interface EntityAnswer {
  data: ResponseData;
  errors?: Errors;
  extensions?: Record<string, unknown>;
}

/** Sends these representations (the missing ones, in the gateway's order) and answers. */
export type EntityFetch = (representations: unknown[]) => Promise<EntityAnswer>;

export interface Split {
  /** The representations to send. */
  missing: unknown[];
  /** For every original position, its index among `missing`, or -1 when it was kept. */
  positions: number[];
  /** Positions answered from the cache. */
  kept: number;
}

/**
 * Which representations to send: those with nothing kept, in their original order; with `fold`,
 * a representation repeated (same JSON text) is sent once.
 */
export function splitRepresentations(representations: readonly unknown[], kept: readonly (KeptEntity | undefined)[], fold: boolean): Split {
  const missing: unknown[] = [];
  const positions = new Array<number>(representations.length);
  const seen = fold ? new Map<string, number>() : undefined;
  let keptCount = 0;
  for (let p = 0; p < representations.length; p++) {
    if (kept[p]) {
      positions[p] = -1;
      keptCount++;
      continue;
    }
    const rep = representations[p];
    const text = seen && JSON.stringify(rep);
    let at = text === undefined ? undefined : seen!.get(text);
    if (at === undefined) {
      at = missing.push(rep) - 1;
      if (text !== undefined) seen!.set(text, at);
    }
    positions[p] = at;
  }
  return { missing, positions, kept: keptCount };
}

/**
 * The answer for every original position: kept entities where kept, the subgraph's where sent;
 * errors at `_entities.<i>` of the sent request given at every position `i` stood for. Data that
 * is not an `_entities` answer of the sent length (data null: the fetch failed) is handed on
 * as it came, with its errors renumbered, as the gateway would have had it without the cache.
 */
export function reassembleEntities(split: Split, kept: readonly (KeptEntity | undefined)[], answer: EntityAnswer | undefined): EntityAnswer {
  const { positions } = split;
  if (!answer) return { data: { _entities: positions.map((_, p) => kept[p]!.value) }, errors: undefined };
  const errors = answer.errors && unfoldErrors(answer.errors, positions);
  const entities = answer.data?._entities;
  if (!answer.data || !Array.isArray(entities) || entities.length !== split.missing.length) return { data: answer.data, errors, extensions: answer.extensions };
  const all = positions.map((at, p) => (at === -1 ? kept[p]!.value : (entities[at] as unknown)));
  return { data: { ...answer.data, _entities: all }, errors, extensions: answer.extensions };
}

/**
 * Which sent entities may be kept: an entity with an error at its path is not (an error may be
 * transient or the caller's), and none when an error names no entity (it may concern them all).
 */
export function storableEntities(sent: number, errors: readonly { readonly path?: readonly (string | number)[] }[] | null | undefined): boolean[] {
  const ok = new Array<boolean>(sent).fill(true);
  for (const error of errors ?? []) {
    const path = error.path;
    if (path?.[0] === '_entities' && typeof path[1] === 'number') {
      if (path[1] >= 0 && path[1] < sent) ok[path[1]] = false;
    } else return ok.fill(false);
  }
  return ok;
}

/** Split, send the missing representations (if any), reassemble. */
export async function fetchEntities(
  representations: readonly unknown[],
  kept: readonly (KeptEntity | undefined)[],
  fold: boolean,
  fetch: EntityFetch,
): Promise<{ split: Split; answer: EntityAnswer; sent: EntityAnswer | undefined }> {
  const split = splitRepresentations(representations, kept, fold);
  const sent = split.missing.length > 0 ? await fetch(split.missing) : undefined;
  return { split, answer: reassembleEntities(split, kept, sent), sent };
}
