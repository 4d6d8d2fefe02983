import { Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as servicediscovery from 'aws-cdk-lib/aws-servicediscovery';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { GATEWAY_ENTRY, GATEWAY_NODE_ARGS } from '../../gateway/runtime';
import type { Tables } from './data';
import type { Network } from './network';
import type { StackScope } from './scope';
import type { ServiceEnv } from './service-env';
import { ENTRY, METRICS_PORTS, PORTS, SERVICE_NAMES, cap, type ServiceName } from './services-spec';

export interface Compute {
  cluster: ecs.Cluster;
  image: ecs.ContainerImage;
}

/** The ECS cluster (Container Insights, a private Service Connect namespace) and the one image every task runs. */
export function createCompute({ stack, cfg }: StackScope, network: Network): Compute {
  const cluster = new ecs.Cluster(stack, 'Cluster', {
    vpc: network.vpc,
    containerInsightsV2: ecs.ContainerInsights.ENABLED,
    defaultCloudMapNamespace: { name: `marquee-${cfg.name}.internal`, type: servicediscovery.NamespaceType.DNS_PRIVATE, useForServiceConnect: true },
  });
  const repository = ecr.Repository.fromRepositoryName(stack, 'Repository', cfg.ecrRepository);
  return { cluster, image: ecs.ContainerImage.fromEcrRepository(repository, cfg.imageTag) };
}

export interface Services {
  services: Record<ServiceName, ecs.FargateService>;
  taskRoles: Record<ServiceName, iam.Role>;
  logGroups: Record<ServiceName, logs.LogGroup>;
  scalings: Record<ServiceName, ecs.ScalableTaskCount>;
}

/**
 * The four Fargate services: private subnets, read-only root filesystem, a health check on
 * `/health`, CPU auto scaling, deployment circuit breaker. The subgraphs are published in the
 * Service Connect namespace under their name; the gateway only consumes it.
 */
export function createServices(
  { stack, cfg, removal }: StackScope,
  { cluster, image }: Compute,
  groups: Record<ServiceName, ec2.SecurityGroup>,
  env: ServiceEnv,
): Services {
  const out = { services: {}, taskRoles: {}, logGroups: {}, scalings: {} } as Services;
  for (const name of SERVICE_NAMES) {
    const size = name === 'gateway' ? cfg.gateway : cfg.subgraph;
    const role = new iam.Role(stack, `${cap(name)}TaskRole`, {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: `Marquee ${name} task`,
    });
    out.taskRoles[name] = role;
    const task = new ecs.FargateTaskDefinition(stack, `${cap(name)}Task`, {
      cpu: size.cpu,
      memoryLimitMiB: size.memoryMiB,
      taskRole: role,
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.X86_64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
    });
    out.logGroups[name] = new logs.LogGroup(stack, `${cap(name)}Logs`, { retention: cfg.logRetentionDays as logs.RetentionDays, removalPolicy: removal });
    task.addContainer(name, {
      image,
      command: name === 'gateway' ? ['node', ...GATEWAY_NODE_ARGS, GATEWAY_ENTRY] : ['node', ENTRY[name]],
      environment: { ...env.environment[name], [METRICS_PORTS[name].name]: String(METRICS_PORTS[name].port) },
      secrets: env.secrets[name],
      portMappings: [{ name, containerPort: PORTS[name], protocol: ecs.Protocol.TCP }],
      logging: ecs.LogDrivers.awsLogs({ logGroup: out.logGroups[name], streamPrefix: name }),
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
    const namespace = cluster.defaultCloudMapNamespace!.namespaceName;
    const service = new ecs.FargateService(stack, `${cap(name)}Service`, {
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
      serviceConnectConfiguration: name === 'gateway' ? { namespace } : { namespace, services: [{ portMappingName: name, dnsName: name, port: PORTS[name] }] },
    });
    out.scalings[name] = service.autoScaleTaskCount({ minCapacity: size.desired, maxCapacity: size.max });
    out.scalings[name].scaleOnCpuUtilization('Cpu', { targetUtilizationPercent: 60 });
    out.services[name] = service;
  }
  return out;
}

/**
 * Least privilege: ratings writes its table and puts events; notifications owns its table and
 * the outbox and publishes to its topic; movies and the gateway touch no AWS data at all.
 */
export function grantServiceData(taskRoles: Record<ServiceName, iam.Role>, tables: Tables, topic: sns.Topic): void {
  tables.ratings.grantReadWriteData(taskRoles.ratings);
  taskRoles.ratings.addToPolicy(new iam.PolicyStatement({ actions: ['dynamodb:PutItem', 'dynamodb:ConditionCheckItem'], resources: [tables.events.tableArn] }));
  tables.notifications.grantReadWriteData(taskRoles.notifications);
  tables.events.grantReadWriteData(taskRoles.notifications);
  topic.grantPublish(taskRoles.notifications);
  // Ratings reads the score history (Movie.scoreHistory); only the snapshot task writes it.
  taskRoles.ratings.addToPolicy(new iam.PolicyStatement({ actions: ['dynamodb:Query'], resources: [tables.scoreHistory.tableArn] }));
}
