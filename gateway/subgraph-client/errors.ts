/**
 * How a subgraph call fails, by type: the batching code tells a refused batch from an unreachable
 * subgraph by these classes, and the gateway's error formatting (graphql/errors.ts) turns an
 * unavailable subgraph into SUBGRAPH_UNAVAILABLE on its fields. Messages are for logs only.
 */

/** A subgraph answered with an HTTP status outside 2xx. */
export class SubgraphHttpError extends Error {
  override name = 'SubgraphHttpError';
  constructor(
    readonly subgraph: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** No complete answer came: the call was refused, reset or timed out, or the body was cut off. */
export class SubgraphUnavailableError extends Error {
  override name = 'SubgraphUnavailableError';
  constructor(
    readonly subgraph: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * Statuses that say the subgraph could not be reached rather than that it failed: what a proxy in
 * front of it answers (ECS Service Connect's Envoy: 503 with no healthy or reachable task, 504 on
 * its timeout, 502 on a broken connection).
 */
const UNREACHABLE_STATUSES = new Set([502, 503, 504]);

/** The subgraph a failed call could not reach, or undefined when the error is of another kind. */
export function unavailableSubgraph(err: unknown): string | undefined {
  if (err instanceof SubgraphUnavailableError) return err.subgraph;
  if (err instanceof SubgraphHttpError && UNREACHABLE_STATUSES.has(err.status)) return err.subgraph;
  return undefined;
}
