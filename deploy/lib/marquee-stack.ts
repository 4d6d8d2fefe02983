import { Stack, type StackProps } from 'aws-cdk-lib';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../environments';
import { createAlarms } from './alarms';
import { createRedis } from './cache';
import { createTables, type Tables } from './data';
import { createEdge } from './edge';
import { createEventsTopic } from './events';
import { createNetwork, createSecurityGroups } from './network';
import { stackScope } from './scope';
import { createSecrets } from './secrets';
import { serviceEnv } from './service-env';
import { createCompute, createServices, grantServiceData } from './services';
import type { ServiceName } from './services-spec';
import { createScoreSnapshot, type ScoreSnapshot } from './snapshot';

export interface MarqueeStackProps extends StackProps {
  config: EnvironmentConfig;
}

/**
 * Everything Marquee runs on in AWS: a VPC over two AZs, four Fargate services from one image
 * (the gateway public behind an ALB, the subgraphs reachable only from the gateway through
 * Service Connect), DynamoDB tables from the same specs the code uses, an encrypted SNS topic
 * with an example partner queue, ElastiCache Redis with TLS, secrets from Secrets Manager,
 * logs, alarms and least-privilege task roles.
 *
 * This class only composes; each part is one module beside it (network.ts, data.ts, events.ts,
 * cache.ts, secrets.ts, service-env.ts, services.ts, snapshot.ts, edge.ts, alarms.ts). The parts
 * add their resources to this stack directly (scope.ts says why), in this order: the order is
 * the template's, and `npm run synth` must not change when a part moves.
 */
export class MarqueeStack extends Stack {
  readonly tables: Tables;
  readonly services: Record<ServiceName, ecs.FargateService>;
  readonly taskRoles: Record<ServiceName, iam.Role>;
  /** The daily score snapshot: a task the schedule starts, not a service. */
  readonly snapshot: ScoreSnapshot;

  constructor(scope: Construct, id: string, props: MarqueeStackProps) {
    super(scope, id, props);
    const s = stackScope(this, props.config);

    const network = createNetwork(s);
    this.tables = createTables(s);
    const topic = createEventsTopic(s);
    const groups = createSecurityGroups(network);
    const redis = createRedis(s, network, groups.redis);
    const secrets = createSecrets(s);

    const compute = createCompute(s, network);
    const env = serviceEnv(s, { tables: this.tables, topic, redis, secrets });
    const { services, taskRoles, logGroups, scalings } = createServices(s, compute, groups.services, env);
    this.services = services;
    this.taskRoles = taskRoles;
    grantServiceData(taskRoles, this.tables, topic);
    this.snapshot = createScoreSnapshot(s, network, groups.redis, compute, this.tables, env);

    const edge = createEdge(s, network, groups.alb, services.gateway);
    scalings.gateway.scaleOnRequestCount('Requests', { requestsPerTarget: 500, targetGroup: edge.targets });
    createAlarms(s, edge.alb, logGroups);
  }
}
