import { decodeCursor, encodeCursor } from './cursor';

/** One page of a DynamoDB query, and whether another follows (stores ask for one item more). */
export interface Page<T> {
  items: readonly T[];
  hasNext: boolean;
}

export interface Connection<T> {
  edges: { node: T; cursor: string }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/** The key to resume after, from a client's `after` cursor; none starts from the beginning. */
export function resumeAfter(secret: string, scope: string, after: string | null | undefined): Record<string, string> | undefined {
  return after != null ? decodeCursor(secret, scope, after) : undefined;
}

/**
 * A page as a Relay connection. Each edge's cursor is its own item's index key (`keyOf`), so a
 * client may resume after any edge, not only the last.
 */
export function toConnection<T>(secret: string, scope: string, page: Page<T>, keyOf: (item: T) => Record<string, string>): Connection<T> {
  const edges = page.items.map((node) => ({ node, cursor: encodeCursor(secret, scope, keyOf(node)) }));
  return { edges, pageInfo: { hasNextPage: page.hasNext, endCursor: edges.length ? edges[edges.length - 1].cursor : null } };
}
