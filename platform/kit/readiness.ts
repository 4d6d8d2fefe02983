import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** Named checks of what a subgraph cannot answer without; /ready is 200 only while all pass. */
export type ReadinessChecks = Record<string, () => Promise<boolean>>;

/** Runs the checks together; one that throws counts as failing, and the others still report. */
export async function runChecks(checks: ReadinessChecks): Promise<{ ready: boolean; checks: Record<string, boolean> }> {
  const entries = await Promise.all(Object.entries(checks).map(async ([name, check]) => [name, await check().catch(() => false)] as const));
  return { ready: entries.every(([, ok]) => ok), checks: Object.fromEntries(entries) };
}

/** DynamoDB is ready when every table the subgraph declares can be described (it exists, we may read it). */
export function tablesCheck(doc: DynamoDBDocumentClient, tables: readonly string[]): () => Promise<boolean> {
  return async () => {
    const described = await Promise.all(
      tables.map((TableName) =>
        doc.send(new DescribeTableCommand({ TableName })).then(
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
