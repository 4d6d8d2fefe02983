import { Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import type { Tables } from './data';
import type { Network } from './network';
import type { StackScope } from './scope';
import type { ServiceEnv } from './service-env';
import type { Compute } from './services';

export interface ScoreSnapshot {
  task: ecs.FargateTaskDefinition;
  role: iam.Role;
  schedule: scheduler.Schedule;
}

/**
 * The daily score snapshot: an ECS task the EventBridge schedule starts once a day
 * (subgraphs/ratings/snapshot-main.ts). It reads which films are followed or rated, fetches
 * their external ratings through the shared Redis cache and OMDb quota, writes one history item
 * per film, and exits.
 */
export function createScoreSnapshot(
  { stack, cfg, removal }: StackScope,
  network: Network,
  redisSg: ec2.SecurityGroup,
  { cluster, image }: Compute,
  tables: Tables,
  env: ServiceEnv,
): ScoreSnapshot {
  const snapshotSg = network.securityGroup('Snapshot');
  redisSg.addIngressRule(snapshotSg, ec2.Port.tcp(6379), 'Redis from the score snapshot');
  const role = new iam.Role(stack, 'SnapshotTaskRole', {
    assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
    description: 'Marquee score snapshot task',
  });
  role.addToPolicy(new iam.PolicyStatement({ actions: ['dynamodb:Scan', 'dynamodb:BatchGetItem'], resources: [tables.ratings.tableArn] }));
  role.addToPolicy(new iam.PolicyStatement({ actions: ['dynamodb:Scan'], resources: [tables.notifications.tableArn] }));
  role.addToPolicy(new iam.PolicyStatement({ actions: ['dynamodb:PutItem', 'dynamodb:BatchGetItem'], resources: [tables.scoreHistory.tableArn] }));
  const task = new ecs.FargateTaskDefinition(stack, 'SnapshotTask', {
    cpu: 256,
    memoryLimitMiB: 512,
    taskRole: role,
    runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.X86_64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
  });
  task.addContainer('snapshot', {
    image,
    command: ['node', 'dist/subgraphs/ratings/snapshot-main.js'],
    environment: {
      ...env.common,
      RATINGS_TABLE: tables.ratings.tableName,
      NOTIFICATIONS_TABLE: tables.notifications.tableName,
      SCORE_HISTORY_TABLE: tables.scoreHistory.tableName,
    },
    secrets: env.snapshotSecrets,
    logging: ecs.LogDrivers.awsLogs({
      logGroup: new logs.LogGroup(stack, 'SnapshotLogs', { retention: cfg.logRetentionDays as logs.RetentionDays, removalPolicy: removal }),
      streamPrefix: 'snapshot',
    }),
    readonlyRootFilesystem: true,
    user: '1000',
  });
  const schedule = new scheduler.Schedule(stack, 'ScoreSnapshotSchedule', {
    description: 'Daily snapshot of the external ratings of the films users follow or rated',
    // 04:30 UTC, well before OMDb's day ends, with the day's quota mostly unspent.
    schedule: scheduler.ScheduleExpression.cron({ minute: '30', hour: '4' }),
    target: new schedulerTargets.EcsRunFargateTask(cluster, {
      taskDefinition: task,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [snapshotSg],
      assignPublicIp: false,
      retryAttempts: 2,
      maxEventAge: Duration.hours(2),
    }),
  });
  return { task, role, schedule };
}
