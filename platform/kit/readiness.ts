import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * Named checks of what a subgraph cannot answer without; /ready is 200 only while all pass. A check
 * is given a signal that aborts when its time is up, so a stuck request is cancelled, not left open.
 */
export type ReadinessChecks = Record<string, (signal: AbortSignal) => Promise<boolean>>;

/**
 * How long one check may take. A DynamoDB that accepts connections but never answers would
 * otherwise hold /ready open past the load balancer's health-check timeout, and the probe would
 * fail without saying which dependency is stuck.
 */
export const CHECK_TIMEOUT_MS = 2000;

/** Settles false when `check` has not answered within `ms`, and aborts the check's signal then. */
function withinTime(check: (signal: AbortSignal) => Promise<boolean>, ms: number): Promise<boolean> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => {
      resolve(false);
      controller.abort();
    }, ms);
    timer.unref();
  });
  return Promise.race([check(controller.signal).catch(() => false), late]).finally(() => clearTimeout(timer));
}

/** Runs the checks together; one that throws or hangs counts as failing, and the others still report. */
export async function runChecks(checks: ReadinessChecks, timeoutMs = CHECK_TIMEOUT_MS): Promise<{ ready: boolean; checks: Record<string, boolean> }> {
  const entries = await Promise.all(Object.entries(checks).map(async ([name, check]) => [name, await withinTime(check, timeoutMs)] as const));
  return { ready: entries.every(([, ok]) => ok), checks: Object.fromEntries(entries) };
}

/** DynamoDB is ready when every table the subgraph declares can be described (it exists, we may read it). */
export function tablesCheck(doc: DynamoDBDocumentClient, tables: readonly string[]): (signal: AbortSignal) => Promise<boolean> {
  return async (abortSignal) => {
    const described = await Promise.all(
      tables.map((TableName) =>
        doc.send(new DescribeTableCommand({ TableName }), { abortSignal }).then(
          () => true,
          () => false,
        ),
      ),
    );
    return described.every(Boolean);
  };
}

/**
 * A subgraph without checks (the movies subgraph: its cache is optional by design, and probing
 * TMDB would spend rate budget) is ready once it listens.
 */
export function orListening(checks: ReadinessChecks): ReadinessChecks {
  return Object.keys(checks).length ? checks : { listening: async () => true };
}
