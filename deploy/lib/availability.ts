import { Duration } from 'aws-cdk-lib';
import * as applicationautoscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Tables } from './data';
import type { Network } from './network';
import type { StackScope } from './scope';
import type { ServiceEnv } from './service-env';
import { createWorkerTask, type Compute } from './services';

/** Deliveries of a feed message before it goes to the dead-letter queue; the processor's FEED_MAX_RECEIVES. */
export const FEED_MAX_RECEIVES = 3;
/** Where providers' files go: requestFeedUpload signs keys under it only. */
export const FEED_PREFIX = 'providers/';
/** Waiting messages one processor task is expected to keep up with. */
const MESSAGES_PER_TASK = 20;
const PROCESSOR_PORT = 4005;
const PROCESSOR_METRICS_PORT = 9469;

/** Where provider feeds arrive and where their failures go (docs/availability.md). */
export interface FeedStorage {
  bucket: s3.Bucket;
  queue: sqs.Queue;
  deadLetters: sqs.Queue;
  /** Providers subscribe (email or SQS) with a filter policy on `providerId`; it carries no offer data. */
  alerts: sns.Topic;
  deadLetterAlarm: cloudwatch.Alarm;
}

export interface FeedProcessor {
  service: ecs.FargateService;
  role: iam.Role;
}

export type FeedIngestion = FeedStorage & FeedProcessor;

/**
 * The bucket providers PUT their files into through presigned URLs, its object-created
 * notifications to a queue, the dead-letter queue for messages that keep failing with an alarm
 * on its depth, and the topic providers are alerted on. Created before the services: the
 * availability subgraph's environment names the bucket.
 */
export function createFeedStorage({ stack, cfg, removal }: StackScope): FeedStorage {
  const bucket = new s3.Bucket(stack, 'FeedsBucket', {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    versioned: true,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    removalPolicy: removal,
    autoDeleteObjects: false,
    // Files matter until applied or rejected; their status stays in DynamoDB.
    lifecycleRules: [
      { id: 'expire-feeds', prefix: FEED_PREFIX, expiration: Duration.days(30), noncurrentVersionExpiration: Duration.days(7) },
      { id: 'abort-multipart', abortIncompleteMultipartUploadAfter: Duration.days(1) },
    ],
  });
  const deadLetters = new sqs.Queue(stack, 'FeedsDeadLetters', {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  const queue = new sqs.Queue(stack, 'FeedsQueue', {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    // Longer than a large file takes; a processor that dies gives the message back after it.
    visibilityTimeout: Duration.minutes(5),
    retentionPeriod: Duration.days(4),
    deadLetterQueue: { queue: deadLetters, maxReceiveCount: FEED_MAX_RECEIVES },
  });
  bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.SqsDestination(queue), { prefix: FEED_PREFIX, suffix: '.json' });

  const alerts = new sns.Topic(stack, 'FeedsProviderAlerts', { topicName: `marquee-provider-alerts-${cfg.name}`, enforceSSL: true });
  const deadLetterAlarm = new cloudwatch.Alarm(stack, 'FeedsDeadLetterDepth', {
    alarmDescription: 'Feed messages failed every delivery and are in the dead-letter queue',
    metric: deadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  return { bucket, queue, deadLetters, alerts, deadLetterAlarm };
}

/**
 * Least privilege for the availability subgraph: presigned PUTs carry the signer's rights, so it
 * may put under providers/ (it signs one key per upload) and see whether a file arrived; it
 * owns its table. It sends nothing to the queue and publishes no alert.
 */
export function grantFeedUploads(feeds: FeedStorage, tables: Tables, subgraphRole: iam.Role): void {
  subgraphRole.addToPolicy(new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:GetObject'], resources: [feeds.bucket.arnForObjects(`${FEED_PREFIX}*`)] }));
  tables.availability.grantReadWriteData(subgraphRole);
}

/**
 * The processor service (subgraphs/availability/processor/main.ts): it pulls the queue,
 * validates and applies the files, alerts providers, and scales on the queue's depth. Nothing
 * reaches it; /health is for the container check only.
 */
export function createFeedProcessor(
  { stack, cfg, removal }: StackScope,
  network: Network,
  redisSg: ec2.SecurityGroup,
  { cluster, image }: Compute,
  tables: Tables,
  env: ServiceEnv,
  feeds: FeedStorage,
): FeedProcessor {
  const { securityGroup, role, task } = createWorkerTask(stack, network, redisSg, 'FeedProcessor', 'feed processor');
  role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [feeds.bucket.arnForObjects(`${FEED_PREFIX}*`)] }));
  feeds.queue.grantConsumeMessages(role);
  tables.availability.grantReadWriteData(role);
  feeds.alerts.grantPublish(role);

  task.addContainer('feed-processor', {
    image,
    command: ['node', 'dist/subgraphs/availability/processor/main.js'],
    environment: {
      ...env.common,
      AVAILABILITY_TABLE: tables.availability.tableName,
      FEED_QUEUE_URL: feeds.queue.queueUrl,
      FEED_BUCKET: feeds.bucket.bucketName,
      PROVIDER_ALERT_TOPIC_ARN: feeds.alerts.topicArn,
      FEED_MAX_RECEIVES: String(FEED_MAX_RECEIVES),
      FEED_PROCESSOR_PORT: String(PROCESSOR_PORT),
      FEED_PROCESSOR_METRICS_PORT: String(PROCESSOR_METRICS_PORT),
    },
    secrets: env.feedProcessorSecrets,
    logging: ecs.LogDrivers.awsLogs({
      logGroup: new logs.LogGroup(stack, 'FeedProcessorLogs', { retention: cfg.logRetentionDays as logs.RetentionDays, removalPolicy: removal }),
      streamPrefix: 'feed-processor',
    }),
    healthCheck: {
      command: ['CMD', 'node', '-e', `fetch('http://127.0.0.1:${PROCESSOR_PORT}/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`],
      interval: Duration.seconds(15),
      timeout: Duration.seconds(5),
      retries: 3,
      startPeriod: Duration.seconds(20),
    },
    stopTimeout: Duration.seconds(30),
    readonlyRootFilesystem: true,
    user: '1000',
  });
  const service = new ecs.FargateService(stack, 'FeedProcessorService', {
    cluster,
    taskDefinition: task,
    desiredCount: 1,
    assignPublicIp: false,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    securityGroups: [securityGroup],
    circuitBreaker: { enable: true, rollback: true },
    enableExecuteCommand: false,
  });
  // One task per MESSAGES_PER_TASK waiting messages, at least one.
  service.autoScaleTaskCount({ minCapacity: 1, maxCapacity: cfg.subgraph.max }).scaleOnMetric('QueueDepth', {
    metric: feeds.queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
    scalingSteps: [
      { upper: 0, change: -1 },
      { lower: MESSAGES_PER_TASK, change: +1 },
      { lower: MESSAGES_PER_TASK * 5, change: +3 },
    ],
    adjustmentType: applicationautoscaling.AdjustmentType.CHANGE_IN_CAPACITY,
    cooldown: Duration.minutes(2),
  });
  return { service, role };
}
