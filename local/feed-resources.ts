import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { CreateTopicCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { createS3, createSns, createSqs } from '../platform/aws';
import { LOCAL_FEED_NAMES } from './defaults';

/**
 * Local mode's share of what the CDK stack owns for provider feeds (deploy/lib/availability.ts):
 * the bucket, the queue with its dead-letter queue (the same redrive count), and the provider
 * alert topic, in fauxqs. Returns their variables. `visibilitySeconds`: how long a received message
 * stays hidden (tests make a processor that died give its message back sooner).
 */
export async function createFeedResources(env: Record<string, string | undefined>, suffix: string, visibilitySeconds = 30): Promise<Record<string, string>> {
  const region = env.AWS_REGION ?? 'us-east-1';
  const s3 = createS3({ region, endpoint: env.S3_ENDPOINT });
  const sqs = createSqs({ region, endpoint: env.SQS_ENDPOINT });
  const sns = createSns({ region, endpoint: env.SNS_ENDPOINT });
  try {
    const name = (base: string) => (suffix ? `${base}-${suffix}` : base);
    const bucket = env.FEED_BUCKET ?? name(LOCAL_FEED_NAMES.bucket);
    await s3.send(new CreateBucketCommand({ Bucket: bucket })).catch((err: unknown) => {
      if (!(err instanceof Error && /BucketAlready(Exists|OwnedByYou)/.test(err.name))) throw err;
    });
    const dlq = await sqs.send(new CreateQueueCommand({ QueueName: name(LOCAL_FEED_NAMES.dlq) }));
    const dlqArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    const maxReceives = env.FEED_MAX_RECEIVES ?? '3';
    const queue = await sqs.send(
      new CreateQueueCommand({
        QueueName: name(LOCAL_FEED_NAMES.queue),
        Attributes: {
          VisibilityTimeout: String(visibilitySeconds),
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: maxReceives }),
        },
      }),
    );
    const topic = await sns.send(new CreateTopicCommand({ Name: name(LOCAL_FEED_NAMES.alerts) }));
    return { FEED_BUCKET: bucket, FEED_QUEUE_URL: queue.QueueUrl!, FEED_DLQ_URL: dlq.QueueUrl!, PROVIDER_ALERT_TOPIC_ARN: topic.TopicArn! };
  } finally {
    for (const c of [s3, sqs, sns]) c.destroy();
  }
}
