import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { TableSpec } from '../../platform/dynamodb-tables';
import { eventsTable } from '../../platform/events/table';
import { notificationsTable } from '../../subgraphs/notifications/table';
import { ratingsTable } from '../../subgraphs/ratings/table';
import { scoreHistoryTable } from '../../subgraphs/ratings/history-table';
import type { StackScope } from './scope';

export type Tables = Record<'ratings' | 'notifications' | 'events' | 'scoreHistory', dynamodb.Table>;

/** The DynamoDB tables, from the same specs the code and local/tables.ts use (keys, indexes, TTL, stream). */
export function createTables(scope: StackScope): Tables {
  return {
    ratings: table(scope, 'RatingsTable', ratingsTable, ratingsTable.defaultName),
    notifications: table(scope, 'NotificationsTable', notificationsTable, notificationsTable.defaultName),
    events: table(scope, 'EventsTable', eventsTable, eventsTable.defaultName),
    scoreHistory: table(scope, 'ScoreHistoryTable', scoreHistoryTable, scoreHistoryTable.defaultName),
  };
}

function table({ stack, cfg, removal }: StackScope, name: string, spec: TableSpec, physical: string): dynamodb.Table {
  const t = new dynamodb.Table(stack, name, {
    tableName: `${physical}-${cfg.name}`,
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    encryption: dynamodb.TableEncryption.AWS_MANAGED,
    timeToLiveAttribute: spec.ttlAttribute,
    stream: spec.stream ? dynamodb.StreamViewType.NEW_IMAGE : undefined,
    removalPolicy: removal,
    deletionProtection: cfg.retainData,
  });
  for (const ix of spec.indexes) {
    t.addGlobalSecondaryIndex({
      indexName: ix,
      partitionKey: { name: `${ix}pk`, type: dynamodb.AttributeType.STRING },
      sortKey: { name: `${ix}sk`, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });
  }
  return t;
}
