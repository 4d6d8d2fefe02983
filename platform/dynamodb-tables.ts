import { CreateTableCommand, DescribeTableCommand, ResourceInUseException, UpdateTimeToLiveCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * A table design in one place, read both by the local set-up script (which creates it in
 * DynamoDB Local) and by the CDK stack (which owns it in AWS), so the two cannot drift.
 * Every table is single-table style: string `pk`/`sk`, overloaded string GSI keys.
 */
export interface TableSpec {
  /** Default physical name; services read the real one from their config. */
  defaultName: string;
  /** Global secondary indexes, each keyed on `<name>pk` / `<name>sk` string attributes. */
  indexes: string[];
  /** Attribute holding an epoch-seconds expiry, if items expire. */
  ttlAttribute?: string;
  /** Whether the design relies on DynamoDB Streams (new images). */
  stream?: boolean;
}

export async function ensureTable(client: DynamoDBClient, spec: TableSpec, tableName = spec.defaultName): Promise<void> {
  const attrs = new Set(['pk', 'sk']);
  for (const ix of spec.indexes) {
    attrs.add(`${ix}pk`);
    attrs.add(`${ix}sk`);
  }
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [...attrs].map((a) => ({ AttributeName: a, AttributeType: 'S' })),
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: spec.indexes.length
          ? spec.indexes.map((ix) => ({
              IndexName: ix,
              KeySchema: [
                { AttributeName: `${ix}pk`, KeyType: 'HASH' },
                { AttributeName: `${ix}sk`, KeyType: 'RANGE' },
              ],
              Projection: { ProjectionType: 'ALL' },
            }))
          : undefined,
        StreamSpecification: spec.stream ? { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' } : undefined,
      }),
    );
  } catch (err) {
    if (!(err instanceof ResourceInUseException)) throw err;
  }
  for (let i = 0; i < 100; i++) {
    const d = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (d.Table?.TableStatus === 'ACTIVE') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  if (spec.ttlAttribute) {
    try {
      await client.send(
        new UpdateTimeToLiveCommand({
          TableName: tableName,
          TimeToLiveSpecification: { AttributeName: spec.ttlAttribute, Enabled: true },
        }),
      );
    } catch (err) {
      // Re-enabling TTL on a table that already has it is refused; that is the state we want.
      if (!(err instanceof Error && /already enabled|TimeToLive is already/i.test(err.message))) throw err;
    }
  }
}
