import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import * as applicationautoscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** Deliveries of a feed message before it goes to the dead-letter queue; the processor's FEED_MAX_RECEIVES. */
export const FEED_MAX_RECEIVES = 3;
/** Where providers' files go: requestFeedUpload signs keys under it only. */
export const FEED_PREFIX = 'providers/';

export interface FeedIngestionProps {
  envName: string;
  removal: RemovalPolicy;
  logRetentionDays: number;
  cluster: ecs.Cluster;
  image: ecs.ContainerImage;
  securityGroup: ec2.SecurityGroup;
  table: dynamodb.Table;
  /** The availability subgraph's task role: it presigns uploads and reads whether they arrived. */
  subgraphRole: iam.Role;
  environment: Record<string, string>;
  secrets: Record<string, ecs.Secret>;
  scaling: { max: number; messagesPerTask: number };
}

/**
 * Provider feeds (docs/availability.md): the bucket providers PUT their files into through
 * presigned URLs, its object-created notifications to a queue, the processor service that
 * validates and applies the files (scaled on the queue's depth), the dead-letter queue for
 * messages that keep failing with an alarm on its depth, and the topic providers are alerted on.
 */
export class FeedIngestion extends Construct {
  readonly bucket: s3.Bucket;
  readonly queue: sqs.Queue;
  readonly deadLetters: sqs.Queue;
  readonly alerts: sns.Topic;
  readonly service: ecs.FargateService;
  readonly role: iam.Role;
  readonly deadLetterAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: FeedIngestionProps) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: props.removal,
      autoDeleteObjects: false,
      // Files matter until applied or rejected; their status stays in DynamoDB.
      lifecycleRules: [
        { id: 'expire-feeds', prefix: FEED_PREFIX, expiration: Duration.days(30), noncurrentVersionExpiration: Duration.days(7) },
        { id: 'abort-multipart', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
    });
    this.deadLetters = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Longer than a large file takes; a processor that dies gives the message back after it.
      visibilityTimeout: Duration.minutes(5),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetters, maxReceiveCount: FEED_MAX_RECEIVES },
    });
    this.bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.SqsDestination(this.queue), { prefix: FEED_PREFIX, suffix: '.json' });

    // Providers subscribe (email or SQS) with a filter policy on `providerId`; it carries no offer data.
    this.alerts = new sns.Topic(this, 'ProviderAlerts', { topicName: `marquee-provider-alerts-${props.envName}`, enforceSSL: true });
    this.deadLetterAlarm = new cloudwatch.Alarm(this, 'DeadLetterDepth', {
      alarmDescription: 'Feed messages failed every delivery and are in the dead-letter queue',
      metric: this.deadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    // --- grants: least privilege ---------------------------------------------------------
    const files = this.bucket.arnForObjects(`${FEED_PREFIX}*`);
    // Presigned PUTs carry the signer's rights: the subgraph may put under providers/ (it signs one key per upload) and see whether it arrived.
    props.subgraphRole.addToPolicy(new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:GetObject'], resources: [files] }));
    props.table.grantReadWriteData(props.subgraphRole);

    this.role = new iam.Role(this, 'ProcessorTaskRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: 'Marquee feed processor task',
    });
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [files] }));
    this.queue.grantConsumeMessages(this.role);
    props.table.grantReadWriteData(this.role);
    this.alerts.grantPublish(this.role);

    // --- the processor service ---------------------------------------------------------
    const task = new ecs.FargateTaskDefinition(this, 'ProcessorTask', {
      cpu: 256,
      memoryLimitMiB: 512,
      taskRole: this.role,
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.X86_64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
    });
    task.addContainer('feed-processor', {
      image: props.image,
      command: ['node', 'dist/subgraphs/availability/processor/main.js'],
      environment: {
        ...props.environment,
        FEED_QUEUE_URL: this.queue.queueUrl,
        FEED_BUCKET: this.bucket.bucketName,
        PROVIDER_ALERT_TOPIC_ARN: this.alerts.topicArn,
        FEED_MAX_RECEIVES: String(FEED_MAX_RECEIVES),
        FEED_PROCESSOR_PORT: '4005',
        FEED_PROCESSOR_METRICS_PORT: '9469',
      },
      secrets: props.secrets,
      logging: ecs.LogDrivers.awsLogs({
        logGroup: new logs.LogGroup(this, 'ProcessorLogs', { retention: props.logRetentionDays as logs.RetentionDays, removalPolicy: props.removal }),
        streamPrefix: 'feed-processor',
      }),
      healthCheck: {
        command: ['CMD', 'node', '-e', "fetch('http://127.0.0.1:4005/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"],
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(20),
      },
      stopTimeout: Duration.seconds(30),
      readonlyRootFilesystem: true,
      user: '1000',
    });
    this.service = new ecs.FargateService(this, 'ProcessorService', {
      cluster: props.cluster,
      taskDefinition: task,
      desiredCount: 1,
      assignPublicIp: false,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [props.securityGroup],
      circuitBreaker: { enable: true, rollback: true },
      enableExecuteCommand: false,
    });
    // Scaled on the queue's depth: one task per `messagesPerTask` waiting messages, at least one.
    this.service.autoScaleTaskCount({ minCapacity: 1, maxCapacity: props.scaling.max }).scaleOnMetric('QueueDepth', {
      metric: this.queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
      scalingSteps: [
        { upper: 0, change: -1 },
        { lower: props.scaling.messagesPerTask, change: +1 },
        { lower: props.scaling.messagesPerTask * 5, change: +3 },
      ],
      adjustmentType: applicationautoscaling.AdjustmentType.CHANGE_IN_CAPACITY,
      cooldown: Duration.minutes(2),
    });
  }
}
