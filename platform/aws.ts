import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { Counter, type Registry } from 'prom-client';

/**
 * Production and local mode build clients the same way; only the endpoint differs. With an
 * explicit endpoint (DynamoDB Local, fauxqs) we also pass dummy credentials so local mode needs
 * no AWS profile; without one the SDK's default credential chain (the ECS task role) applies.
 */
export interface AwsEndpointConfig {
  region: string;
  endpoint?: string;
}

function localOverrides(cfg: AwsEndpointConfig) {
  return cfg.endpoint ? { endpoint: cfg.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {};
}

export function createDynamoDb(cfg: AwsEndpointConfig, registry?: Registry): DynamoDBDocumentClient {
  const client = new DynamoDBClient({ region: cfg.region, maxAttempts: 4, ...localOverrides(cfg) });
  if (registry) {
    // Every call counted by command: what each operation costs in DynamoDB requests.
    const calls = new Counter({
      name: 'marquee_dynamodb_requests_total',
      help: 'DynamoDB requests by command',
      labelNames: ['command'],
      registers: [registry],
    });
    client.middlewareStack.add(
      (next, context) => async (args) => {
        calls.inc({ command: String(context.commandName) });
        return next(args);
      },
      { step: 'initialize', name: 'marqueeCountCalls' },
    );
  }
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}

export function createSns(cfg: AwsEndpointConfig): SNSClient {
  return new SNSClient({ region: cfg.region, ...localOverrides(cfg) });
}

export function createSqs(cfg: AwsEndpointConfig): SQSClient {
  return new SQSClient({ region: cfg.region, ...localOverrides(cfg) });
}

/** Path-style addressing with a local endpoint: `bucket.127.0.0.1` names no host. */
export function createS3(cfg: AwsEndpointConfig, extra: Omit<S3ClientConfig, 'region' | 'endpoint'> = {}): S3Client {
  return new S3Client({ region: cfg.region, ...localOverrides(cfg), forcePathStyle: cfg.endpoint !== undefined, ...extra });
}
