import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ensureTable } from '../platform/dynamodb-tables';
import { eventsTable } from '../platform/events/table';
import { ratingsTable } from '../subgraphs/ratings/table';
import { notificationsTable } from '../subgraphs/notifications/table';
import { scoreHistoryTable } from '../subgraphs/ratings/history-table';
import { availabilityTable } from '../subgraphs/availability/table';

/** Creates the tables that the CDK stack owns in AWS, from the same specs. */
export async function createLocalTables(endpoint: string, env: Record<string, string | undefined>): Promise<void> {
  const client = new DynamoDBClient({
    region: env.AWS_REGION ?? 'us-east-1',
    endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    await Promise.all([
      ensureTable(client, ratingsTable, env.RATINGS_TABLE),
      ensureTable(client, notificationsTable, env.NOTIFICATIONS_TABLE),
      ensureTable(client, eventsTable, env.EVENTS_TABLE),
      ensureTable(client, scoreHistoryTable, env.SCORE_HISTORY_TABLE),
      ensureTable(client, availabilityTable, env.AVAILABILITY_TABLE),
    ]);
  } finally {
    client.destroy();
  }
}
