/**
 * `npm run tables`: creates the DynamoDB tables (ratings, notifications, events outbox) at
 * DYNAMODB_ENDPOINT, from the same specs the CDK stack uses. For local DynamoDBs and tests;
 * in AWS the deploy stack owns the tables.
 */
import { createLocalTables } from '../local/tables';

const endpoint = process.env.DYNAMODB_ENDPOINT;
if (!endpoint) {
  console.error('set DYNAMODB_ENDPOINT (e.g. http://127.0.0.1:8000); in AWS the deploy stack creates the tables');
  process.exit(2);
}
createLocalTables(endpoint, process.env).then(
  () => console.log(`tables ready at ${endpoint}`),
  (err) => {
    console.error(`could not create tables: ${err instanceof Error ? err.message : err}`);
    process.exit(1);
  },
);
