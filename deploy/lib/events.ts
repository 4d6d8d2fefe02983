import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { StackScope } from './scope';

/**
 * The rating events: an SNS topic encrypted with its own KMS key (notifications' relay
 * publishes to it), and an example partner queue subscribed to rating events, with a dead-letter queue.
 */
export function createEventsTopic({ stack, cfg, removal }: StackScope): sns.Topic {
  const topicKey = new kms.Key(stack, 'EventsKey', { enableKeyRotation: true, removalPolicy: removal, description: 'Marquee SNS events' });
  const topic = new sns.Topic(stack, 'EventsTopic', { topicName: `marquee-events-${cfg.name}`, masterKey: topicKey });
  // SNS must be able to encrypt what it delivers to the partner queue.
  topicKey.grantEncryptDecrypt(new iam.ServicePrincipal('sns.amazonaws.com'));
  const dlq = new sqs.Queue(stack, 'PartnerExampleDlq', { encryption: sqs.QueueEncryption.SQS_MANAGED, retentionPeriod: Duration.days(14), enforceSSL: true });
  const partnerQueue = new sqs.Queue(stack, 'PartnerExampleQueue', {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    deadLetterQueue: { queue: dlq, maxReceiveCount: 5 },
  });
  topic.addSubscription(
    new subs.SqsSubscription(partnerQueue, {
      rawMessageDelivery: true,
      filterPolicy: { eventType: sns.SubscriptionFilter.stringFilter({ allowlist: ['RatingCreated', 'RatingUpdated'] }) },
      deadLetterQueue: dlq,
    }),
  );
  return topic;
}
