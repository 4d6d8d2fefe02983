/**
 * Starts the real servers the integration and end-to-end tests share, once per run: DynamoDB
 * Local, fauxqs (SNS/SQS/S3) and redis-server, each on a free port. Tests find them through the
 * same variables production uses (DYNAMODB_ENDPOINT, SNS_ENDPOINT, SQS_ENDPOINT, S3_ENDPOINT, REDIS_URL).
 */
import { startDynamoDbLocal } from '../../local/dynamodb-local';
import { startFauxqs } from '../../local/fauxqs';
import { startRedis } from '../../local/redis';

export default async function globalSetup(): Promise<void> {
  // What is open before any server or test (stdio pipes, Jest's own): the teardown reports only what is beyond it.
  (globalThis as Record<string, unknown>).__MARQUEE_OPEN_AT_START__ = process.getActiveResourcesInfo();
  const [ddb, sns, redis] = await Promise.all([startDynamoDbLocal({}), startFauxqs({}), startRedis({})]);
  (globalThis as Record<string, unknown>).__MARQUEE_SERVERS__ = [ddb, sns, redis];
  process.env.DYNAMODB_ENDPOINT = ddb.endpoint;
  process.env.SNS_ENDPOINT = sns.endpoint;
  process.env.SQS_ENDPOINT = sns.endpoint;
  process.env.S3_ENDPOINT = sns.endpoint;
  process.env.REDIS_URL = redis.url;
  process.env.AWS_REGION = 'us-east-1';
}
