import { Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as servicediscovery from 'aws-cdk-lib/aws-servicediscovery';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import type { TableSpec } from '../../platform/dynamodb-tables';
import { eventsTable } from '../../platform/events/table';
import { notificationsTable } from '../../subgraphs/notifications/table';
import { ratingsTable } from '../../subgraphs/ratings/table';
import { scoreHistoryTable } from '../../subgraphs/ratings/history-table';
import { availabilityTable } from '../../subgraphs/availability/table';
import { FeedIngestion } from './availability';
import type { EnvironmentConfig } from '../environments';
import { GATEWAY_ENTRY, GATEWAY_NODE_ARGS } from '../../gateway/runtime';

export interface MarqueeStackProps extends StackProps {
  config: EnvironmentConfig;
}

type ServiceName = 'gateway' | 'movies' | 'ratings' | 'notifications' | 'availability';

const PORTS: Record<ServiceName, number> = { gateway: 4000, movies: 4001, ratings: 4002, notifications: 4003, availability: 4004 };
/** Prometheus ports: no port mapping, no security-group rule and no listener reaches them from the load balancer. */
const METRICS_PORTS: Record<ServiceName, { name: string; port: number }> = {
  gateway: { name: 'METRICS_PORT', port: 9464 },
  movies: { name: 'MOVIES_METRICS_PORT', port: 9465 },
  ratings: { name: 'RATINGS_METRICS_PORT', port: 9466 },
  notifications: { name: 'NOTIFICATIONS_METRICS_PORT', port: 9467 },
  availability: { name: 'AVAILABILITY_METRICS_PORT', port: 9468 },
};
const ENTRY: Record<ServiceName, string> = {
  gateway: GATEWAY_ENTRY,
  movies: 'dist/subgraphs/movies/main.js',
  ratings: 'dist/subgraphs/ratings/main.js',
  notifications: 'dist/subgraphs/notifications/main.js',
  availability: 'dist/subgraphs/availability/main.js',
};

/**
 * Everything Marquee runs on in AWS: a VPC over two AZs, five Fargate services from one image
 * (the gateway public behind an ALB, the subgraphs reachable only from the gateway through
 * Service Connect), DynamoDB tables from the same specs the code uses, an encrypted SNS topic
 * with an example partner queue, ElastiCache Redis with TLS, secrets from Secrets Manager,
 * logs, alarms and least-privilege task roles; provider feeds (bucket, queue, processor service,
 * dead-letter queue, alert topic) in deploy/lib/availability.ts.
 */
export class MarqueeStack extends Stack {
  readonly tables: Record<'ratings' | 'notifications' | 'events' | 'scoreHistory' | 'availability', dynamodb.Table>;
  readonly feeds: FeedIngestion;
  readonly services: Record<ServiceName, ecs.FargateService>;
  readonly taskRoles: Record<ServiceName, iam.Role>;
  /** The daily score snapshot: a task the schedule starts, not a service. */
  readonly snapshot: { task: ecs.FargateTaskDefinition; role: iam.Role; schedule: scheduler.Schedule };

  constructor(scope: Construct, id: string, props: MarqueeStackProps) {
    super(scope, id, props);
    const cfg = props.config;
    const removal = cfg.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    // --- network -------------------------------------------------------------------------
    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: cfg.natGateways,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'app', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
        { name: 'data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
    });

    // --- data --------------------------------------------------------------------------
    const table = (name: string, spec: TableSpec, physical: string) => {
      const t = new dynamodb.Table(this, name, {
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
    };
    this.tables = {
      ratings: table('RatingsTable', ratingsTable, ratingsTable.defaultName),
      notifications: table('NotificationsTable', notificationsTable, notificationsTable.defaultName),
      events: table('EventsTable', eventsTable, eventsTable.defaultName),
      scoreHistory: table('ScoreHistoryTable', scoreHistoryTable, scoreHistoryTable.defaultName),
      availability: table('AvailabilityTable', availabilityTable, availabilityTable.defaultName),
    };

    // --- events ------------------------------------------------------------------------
    const topicKey = new kms.Key(this, 'EventsKey', { enableKeyRotation: true, removalPolicy: removal, description: 'Marquee SNS events' });
    const topic = new sns.Topic(this, 'EventsTopic', { topicName: `marquee-events-${cfg.name}`, masterKey: topicKey });
    // SNS must be able to encrypt what it delivers to the partner queue.
    topicKey.grantEncryptDecrypt(new iam.ServicePrincipal('sns.amazonaws.com'));
    const dlq = new sqs.Queue(this, 'PartnerExampleDlq', { encryption: sqs.QueueEncryption.SQS_MANAGED, retentionPeriod: Duration.days(14), enforceSSL: true });
    const partnerQueue = new sqs.Queue(this, 'PartnerExampleQueue', {
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

    // --- security groups ---------------------------------------------------------------
    const sg = (name: string) => new ec2.SecurityGroup(this, `${name}Sg`, { vpc, allowAllOutbound: true, description: `Marquee ${name}` });
    const albSg = sg('Alb');
    const groups: Record<ServiceName, ec2.SecurityGroup> = {
      gateway: sg('Gateway'),
      movies: sg('Movies'),
      ratings: sg('Ratings'),
      notifications: sg('Notifications'),
      availability: sg('Availability'),
    };
    const redisSg = sg('Redis');
    albSg.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS from anywhere');
    albSg.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(80), 'HTTP (redirected to HTTPS when a certificate is set)');
    groups.gateway.addIngressRule(albSg, ec2.Port.tcp(PORTS.gateway), 'from the load balancer only');
    for (const name of ['movies', 'ratings', 'notifications', 'availability'] as const) {
      // Subgraphs answer the gateway and nobody else (they also check its signature).
      groups[name].addIngressRule(groups.gateway, ec2.Port.tcp(PORTS[name]), 'from the gateway only');
    }
    for (const name of ['gateway', 'movies', 'ratings', 'notifications', 'availability'] as const) {
      redisSg.addIngressRule(groups[name], ec2.Port.tcp(6379), `Redis from ${name}`);
    }

    // --- Redis -------------------------------------------------------------------------
    // AUTH on top of TLS: being inside the security group is not enough to read the cache.
    // ElastiCache refuses '/', '"' and '@' in the token.
    const redisAuth = new secretsmanager.Secret(this, 'RedisAuthToken', {
      description: 'ElastiCache Redis AUTH token',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    const redisSubnets = new elasticache.CfnSubnetGroup(this, 'RedisSubnets', {
      description: 'Marquee Redis',
      subnetIds: vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_ISOLATED }).subnetIds,
    });
    const redis = new elasticache.CfnReplicationGroup(this, 'Redis', {
      replicationGroupDescription: `Marquee cache (${cfg.name})`,
      engine: 'redis',
      engineVersion: '7.1',
      cacheNodeType: cfg.redisNodeType,
      numCacheClusters: cfg.redisMultiAz ? 2 : 1,
      automaticFailoverEnabled: cfg.redisMultiAz,
      multiAzEnabled: cfg.redisMultiAz,
      transitEncryptionEnabled: true,
      atRestEncryptionEnabled: true,
      authToken: redisAuth.secretValue.unsafeUnwrap(),
      cacheSubnetGroupName: redisSubnets.ref,
      securityGroupIds: [redisSg.securityGroupId],
    });
    const redisUrl = `rediss://${redis.attrPrimaryEndPointAddress}:${redis.attrPrimaryEndPointPort}`;

    // --- secrets -----------------------------------------------------------------------
    const tmdbSecret = new secretsmanager.Secret(this, 'TmdbToken', { description: 'TMDB API read access token (set the value after the first deploy)' });
    const omdbSecret = new secretsmanager.Secret(this, 'OmdbApiKey', { description: 'OMDb API key (set the value after the first deploy)' });
    // The identity header is signed with a private key only the gateway task gets; the subgraphs
    // get the public key, so a compromised subgraph task can mint no identity for another. A key
    // pair cannot be generated by Secrets Manager: set both values after the first deploy
    // (docs/deploy.md); until then the tasks refuse to start with one line naming the variable.
    const gatewaySigningKey = new secretsmanager.Secret(this, 'GatewaySigningKey', {
      description:
        'Gateway only: PKCS8 PEM (or JWK) of the P-256 or Ed25519 private key that signs the gateway-to-subgraph identity header (set the value after the first deploy)',
    });
    const gatewayPublicKey = new secretsmanager.Secret(this, 'GatewayPublicKey', {
      description: 'Subgraphs: SPKI PEM (or JWK) of the public key of GatewaySigningKey (set the value after the first deploy)',
    });
    // Only the subgraphs with cursors get this key (movies has none, the gateway never signs one).
    const cursorSecret = new secretsmanager.Secret(this, 'CursorSecret', {
      description: 'Signs pagination cursors (ratings, notifications)',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    const jwtSecret = new secretsmanager.Secret(this, 'JwtSettings', {
      description: 'User token verification: JSON with JWT_JWKS_URL, JWT_ISSUER, JWT_AUDIENCE',
      generateSecretString: {
        secretStringTemplate: JSON.stringify({
          JWT_JWKS_URL: 'https://example.invalid/.well-known/jwks.json',
          JWT_ISSUER: 'https://example.invalid/',
          JWT_AUDIENCE: 'marquee',
        }),
        generateStringKey: 'unused',
      },
    });
    const partnerKeys = new secretsmanager.Secret(this, 'PartnerKeys', {
      description: 'Partner API key hashes: JSON array of {id, tier, sha256, roles?} (roles: ["provider"] for feed uploads)',
      generateSecretString: { secretStringTemplate: '[]', generateStringKey: 'unused' },
    });

    // --- compute -----------------------------------------------------------------------
    const cluster = new ecs.Cluster(this, 'Cluster', {
      vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
      defaultCloudMapNamespace: { name: `marquee-${cfg.name}.internal`, type: servicediscovery.NamespaceType.DNS_PRIVATE, useForServiceConnect: true },
    });
    const repository = ecr.Repository.fromRepositoryName(this, 'Repository', cfg.ecrRepository);
    const image = ecs.ContainerImage.fromEcrRepository(repository, cfg.imageTag);

    const common: Record<string, string> = { NODE_ENV: 'production', LOG_LEVEL: 'info', AWS_REGION: this.region, REDIS_URL: redisUrl };
    const tmdb = { TMDB_ACCESS_TOKEN: ecs.Secret.fromSecretsManager(tmdbSecret) };
    const redisAuthToken = { REDIS_AUTH_TOKEN: ecs.Secret.fromSecretsManager(redisAuth) };
    const verifying = { GATEWAY_PUBLIC_KEY: ecs.Secret.fromSecretsManager(gatewayPublicKey), ...redisAuthToken };
    const cursors = { CURSOR_SECRET: ecs.Secret.fromSecretsManager(cursorSecret) };
    const env: Record<ServiceName, Record<string, string>> = {
      gateway: {
        ...common,
        GATEWAY_PORT: String(PORTS.gateway),
        MOVIES_URL: `http://movies:${PORTS.movies}/graphql`,
        RATINGS_URL: `http://ratings:${PORTS.ratings}/graphql`,
        NOTIFICATIONS_URL: `http://notifications:${PORTS.notifications}/graphql`,
        AVAILABILITY_URL: `http://availability:${PORTS.availability}/graphql`,
        SUPERGRAPH_PATH: 'schema/supergraph.graphql',
        CORS_ORIGINS: cfg.domain ? `https://${cfg.domain}` : '*',
        // One hop: the ALB appends the client's address to X-Forwarded-For; the gateway reads this as
        // the number 1 (gateway/trust-proxy.ts), so req.ip is that address.
        TRUST_PROXY: '1',
        SHUTDOWN_DELAY_MS: '15000',
        SHUTDOWN_GRACE_MS: '40000',
      },
      movies: { ...common, MOVIES_PORT: String(PORTS.movies) },
      ratings: {
        ...common,
        RATINGS_PORT: String(PORTS.ratings),
        RATINGS_TABLE: this.tables.ratings.tableName,
        EVENTS_TABLE: this.tables.events.tableName,
        SCORE_HISTORY_TABLE: this.tables.scoreHistory.tableName,
      },
      notifications: {
        ...common,
        NOTIFICATIONS_PORT: String(PORTS.notifications),
        NOTIFICATIONS_TABLE: this.tables.notifications.tableName,
        EVENTS_TABLE: this.tables.events.tableName,
        SNS_TOPIC_ARN: topic.topicArn,
      },
      // FEED_BUCKET is set below, once the bucket exists.
      availability: { ...common, AVAILABILITY_PORT: String(PORTS.availability), AVAILABILITY_TABLE: this.tables.availability.tableName },
    };
    const secrets: Record<ServiceName, Record<string, ecs.Secret>> = {
      gateway: {
        GATEWAY_SIGNING_KEY: ecs.Secret.fromSecretsManager(gatewaySigningKey),
        ...redisAuthToken,
        JWT_JWKS_URL: ecs.Secret.fromSecretsManager(jwtSecret, 'JWT_JWKS_URL'),
        JWT_ISSUER: ecs.Secret.fromSecretsManager(jwtSecret, 'JWT_ISSUER'),
        JWT_AUDIENCE: ecs.Secret.fromSecretsManager(jwtSecret, 'JWT_AUDIENCE'),
        PARTNER_KEYS: ecs.Secret.fromSecretsManager(partnerKeys),
      },
      movies: { ...verifying, ...tmdb, OMDB_API_KEY: ecs.Secret.fromSecretsManager(omdbSecret) },
      ratings: { ...verifying, ...tmdb, ...cursors },
      notifications: { ...verifying, ...tmdb, ...cursors },
      availability: { ...verifying, ...tmdb, ...cursors },
    };

    const logGroups = {} as Record<ServiceName, logs.LogGroup>;
    this.taskRoles = {} as Record<ServiceName, iam.Role>;
    this.services = {} as Record<ServiceName, ecs.FargateService>;
    const scalings = {} as Record<ServiceName, ecs.ScalableTaskCount>;
    for (const name of ['movies', 'ratings', 'notifications', 'availability', 'gateway'] as const) {
      const size = name === 'gateway' ? cfg.gateway : cfg.subgraph;
      const role = new iam.Role(this, `${cap(name)}TaskRole`, {
        assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
        description: `Marquee ${name} task`,
      });
      this.taskRoles[name] = role;
      const task = new ecs.FargateTaskDefinition(this, `${cap(name)}Task`, {
        cpu: size.cpu,
        memoryLimitMiB: size.memoryMiB,
        taskRole: role,
        runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.X86_64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
      });
      logGroups[name] = new logs.LogGroup(this, `${cap(name)}Logs`, { retention: cfg.logRetentionDays as logs.RetentionDays, removalPolicy: removal });
      task.addContainer(name, {
        image,
        command: name === 'gateway' ? ['node', ...GATEWAY_NODE_ARGS, GATEWAY_ENTRY] : ['node', ENTRY[name]],
        environment: { ...env[name], [METRICS_PORTS[name].name]: String(METRICS_PORTS[name].port) },
        secrets: secrets[name],
        portMappings: [{ name, containerPort: PORTS[name], protocol: ecs.Protocol.TCP }],
        logging: ecs.LogDrivers.awsLogs({ logGroup: logGroups[name], streamPrefix: name }),
        healthCheck: {
          command: ['CMD', 'node', '-e', `fetch('http://127.0.0.1:${PORTS[name]}/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`],
          interval: Duration.seconds(15),
          timeout: Duration.seconds(5),
          retries: 3,
          startPeriod: Duration.seconds(20),
        },
        // The gateway drains for SHUTDOWN_DELAY_MS + in-flight requests before exiting.
        stopTimeout: Duration.seconds(name === 'gateway' ? 60 : 30),
        readonlyRootFilesystem: true,
        user: '1000',
      });
      const service = new ecs.FargateService(this, `${cap(name)}Service`, {
        cluster,
        taskDefinition: task,
        desiredCount: size.desired,
        assignPublicIp: false,
        vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
        securityGroups: [groups[name]],
        circuitBreaker: { enable: true, rollback: true },
        minHealthyPercent: 100,
        maxHealthyPercent: 200,
        enableExecuteCommand: false,
        serviceConnectConfiguration:
          name === 'gateway'
            ? { namespace: cluster.defaultCloudMapNamespace!.namespaceName }
            : { namespace: cluster.defaultCloudMapNamespace!.namespaceName, services: [{ portMappingName: name, dnsName: name, port: PORTS[name] }] },
      });
      scalings[name] = service.autoScaleTaskCount({ minCapacity: size.desired, maxCapacity: size.max });
      scalings[name].scaleOnCpuUtilization('Cpu', { targetUtilizationPercent: 60 });
      this.services[name] = service;
    }

    // --- provider feeds ----------------------------------------------------------------
    const processorSg = sg('FeedProcessor');
    redisSg.addIngressRule(processorSg, ec2.Port.tcp(6379), 'Redis from the feed processor');
    this.feeds = new FeedIngestion(this, 'Feeds', {
      envName: cfg.name,
      removal,
      logRetentionDays: cfg.logRetentionDays,
      cluster,
      image,
      securityGroup: processorSg,
      table: this.tables.availability,
      subgraphRole: this.taskRoles.availability,
      environment: { ...common, AVAILABILITY_TABLE: this.tables.availability.tableName },
      secrets: { ...redisAuthToken, ...tmdb },
      scaling: { max: cfg.subgraph.max, messagesPerTask: 20 },
    });
    this.services.availability.taskDefinition.defaultContainer!.addEnvironment('FEED_BUCKET', this.feeds.bucket.bucketName);

    // Least privilege: ratings writes its table and puts events; notifications owns its table and
    // the outbox and publishes to its topic; movies and the gateway touch no AWS data at all.
    this.tables.ratings.grantReadWriteData(this.taskRoles.ratings);
    this.taskRoles.ratings.addToPolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:PutItem', 'dynamodb:ConditionCheckItem'], resources: [this.tables.events.tableArn] }),
    );
    this.tables.notifications.grantReadWriteData(this.taskRoles.notifications);
    this.tables.events.grantReadWriteData(this.taskRoles.notifications);
    topic.grantPublish(this.taskRoles.notifications);
    // Ratings reads the score history (Movie.scoreHistory); only the snapshot task writes it.
    this.taskRoles.ratings.addToPolicy(new iam.PolicyStatement({ actions: ['dynamodb:Query'], resources: [this.tables.scoreHistory.tableArn] }));

    // --- daily score snapshot ------------------------------------------------------------
    // An ECS task the EventBridge schedule starts once a day (subgraphs/ratings/snapshot-main.ts):
    // it reads which films are followed or rated, fetches their external ratings through the
    // shared Redis cache and OMDb quota, writes one history item per film, and exits.
    const snapshotSg = sg('Snapshot');
    redisSg.addIngressRule(snapshotSg, ec2.Port.tcp(6379), 'Redis from the score snapshot');
    const snapshotRole = new iam.Role(this, 'SnapshotTaskRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: 'Marquee score snapshot task',
    });
    snapshotRole.addToPolicy(new iam.PolicyStatement({ actions: ['dynamodb:Scan', 'dynamodb:BatchGetItem'], resources: [this.tables.ratings.tableArn] }));
    snapshotRole.addToPolicy(new iam.PolicyStatement({ actions: ['dynamodb:Scan'], resources: [this.tables.notifications.tableArn] }));
    snapshotRole.addToPolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:PutItem', 'dynamodb:BatchGetItem'], resources: [this.tables.scoreHistory.tableArn] }),
    );
    const snapshotTask = new ecs.FargateTaskDefinition(this, 'SnapshotTask', {
      cpu: 256,
      memoryLimitMiB: 512,
      taskRole: snapshotRole,
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.X86_64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
    });
    snapshotTask.addContainer('snapshot', {
      image,
      command: ['node', 'dist/subgraphs/ratings/snapshot-main.js'],
      environment: {
        ...common,
        RATINGS_TABLE: this.tables.ratings.tableName,
        NOTIFICATIONS_TABLE: this.tables.notifications.tableName,
        SCORE_HISTORY_TABLE: this.tables.scoreHistory.tableName,
      },
      secrets: { ...redisAuthToken, ...tmdb, OMDB_API_KEY: ecs.Secret.fromSecretsManager(omdbSecret) },
      logging: ecs.LogDrivers.awsLogs({
        logGroup: new logs.LogGroup(this, 'SnapshotLogs', { retention: cfg.logRetentionDays as logs.RetentionDays, removalPolicy: removal }),
        streamPrefix: 'snapshot',
      }),
      readonlyRootFilesystem: true,
      user: '1000',
    });
    const snapshotSchedule = new scheduler.Schedule(this, 'ScoreSnapshotSchedule', {
      description: 'Daily snapshot of the external ratings of the films users follow or rated',
      // 04:30 UTC, well before OMDb's day ends, with the day's quota mostly unspent.
      schedule: scheduler.ScheduleExpression.cron({ minute: '30', hour: '4' }),
      target: new schedulerTargets.EcsRunFargateTask(cluster, {
        taskDefinition: snapshotTask,
        vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
        securityGroups: [snapshotSg],
        assignPublicIp: false,
        retryAttempts: 2,
        maxEventAge: Duration.hours(2),
      }),
    });
    this.snapshot = { task: snapshotTask, role: snapshotRole, schedule: snapshotSchedule };

    // --- load balancer -----------------------------------------------------------------
    const alb = new elbv2.ApplicationLoadBalancer(this, 'Alb', { vpc, internetFacing: true, securityGroup: albSg, dropInvalidHeaderFields: true });
    const targets = new elbv2.ApplicationTargetGroup(this, 'GatewayTargets', {
      vpc,
      port: PORTS.gateway,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targetType: elbv2.TargetType.IP,
      targets: [this.services.gateway.loadBalancerTarget({ containerName: 'gateway', containerPort: PORTS.gateway })],
      healthCheck: { path: '/ready', healthyHttpCodes: '200', interval: Duration.seconds(10), healthyThresholdCount: 2, unhealthyThresholdCount: 3 },
      deregistrationDelay: Duration.seconds(20),
    });
    // /metrics is for the scraper inside the VPC, never for the internet.
    const hideMetrics = (listener: elbv2.ApplicationListener) =>
      listener.addAction('HideMetrics', {
        priority: 1,
        conditions: [elbv2.ListenerCondition.pathPatterns(['/metrics', '/metrics/*'])],
        action: elbv2.ListenerAction.fixedResponse(404, { contentType: 'application/json', messageBody: '{"error":"not found"}' }),
      });
    if (cfg.certificateArn) {
      const https = alb.addListener('Https', {
        port: 443,
        protocol: elbv2.ApplicationProtocol.HTTPS,
        certificates: [elbv2.ListenerCertificate.fromArn(cfg.certificateArn)],
        sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
        defaultTargetGroups: [targets],
      });
      hideMetrics(https);
      alb.addRedirect({ sourcePort: 80, targetPort: 443 });
    } else {
      hideMetrics(alb.addListener('Http', { port: 80, protocol: elbv2.ApplicationProtocol.HTTP, defaultTargetGroups: [targets], open: false }));
    }
    // AWS WAF in front of the ALB: AWS's managed rules for common exploits, known bad inputs and
    // IP reputation, and a per-IP rate rule well above the gateway's own limits (it stops floods
    // before they cost a task anything; the gateway's limits stay the precise ones).
    const managed = (name: string, priority: number) => ({
      name,
      priority,
      overrideAction: { none: {} },
      statement: { managedRuleGroupStatement: { vendorName: 'AWS', name } },
      visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: name, sampledRequestsEnabled: true },
    });
    const acl = new wafv2.CfnWebACL(this, 'WebAcl', {
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: `marquee-${cfg.name}-waf`, sampledRequestsEnabled: true },
      rules: [
        managed('AWSManagedRulesAmazonIpReputationList', 0),
        managed('AWSManagedRulesCommonRuleSet', 1),
        managed('AWSManagedRulesKnownBadInputsRuleSet', 2),
        {
          name: 'RatePerIp',
          priority: 3,
          action: { block: {} },
          statement: { rateBasedStatement: { aggregateKeyType: 'IP', limit: cfg.wafRatePerIpPer5Min } },
          visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: 'RatePerIp', sampledRequestsEnabled: true },
        },
      ],
    });
    new wafv2.CfnWebACLAssociation(this, 'WebAclAssociation', { resourceArn: alb.loadBalancerArn, webAclArn: acl.attrArn });

    scalings.gateway.scaleOnRequestCount('Requests', { requestsPerTarget: 500, targetGroup: targets });

    // --- alarms ------------------------------------------------------------------------
    new cloudwatch.Alarm(this, 'Gateway5xx', {
      alarmDescription: 'Gateway answers 5xx',
      metric: alb.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { period: Duration.minutes(1), statistic: 'Sum' }),
      threshold: cfg.alarms.fivexxPerMinute,
      evaluationPeriods: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    new cloudwatch.Alarm(this, 'GatewayP99', {
      alarmDescription: 'Gateway p99 latency',
      metric: alb.metrics.targetResponseTime({ period: Duration.minutes(1), statistic: 'p99' }),
      threshold: cfg.alarms.p99LatencySeconds,
      evaluationPeriods: 5,
    });
    const circuit = new logs.MetricFilter(this, 'TmdbCircuitFilter', {
      logGroup: logGroups.movies,
      filterPattern: logs.FilterPattern.stringValue('$.msg', '=', 'tmdb circuit open'),
      metricNamespace: 'Marquee',
      metricName: 'TmdbCircuitOpen',
      metricValue: '1',
    });
    new cloudwatch.Alarm(this, 'TmdbCircuitOpen', {
      alarmDescription: 'The TMDB circuit breaker opened: TMDB is failing',
      metric: circuit.metric({ period: Duration.minutes(1), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const lag = new logs.MetricFilter(this, 'EventLagFilter', {
      logGroup: logGroups.notifications,
      filterPattern: logs.FilterPattern.exists('$.eventLagSeconds'),
      metricNamespace: 'Marquee',
      metricName: 'EventLagSeconds',
      metricValue: '$.eventLagSeconds',
    });
    new cloudwatch.Alarm(this, 'EventLag', {
      alarmDescription: 'Rating events are waiting too long to be relayed',
      metric: lag.metric({ period: Duration.minutes(1), statistic: 'Maximum' }),
      threshold: cfg.alarms.eventLagSeconds,
      evaluationPeriods: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }
}

function cap(s: string): string {
  return s[0].toUpperCase() + s.slice(1);
}
