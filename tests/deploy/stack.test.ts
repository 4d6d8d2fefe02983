import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ENVIRONMENTS } from '../../deploy/environments';
import { MarqueeStack } from '../../deploy/lib/marquee-stack';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { GATEWAY_ENTRY, GATEWAY_KEEP_ALIVE_TIMEOUT_MS, GATEWAY_NODE_ARGS } from '../../gateway/runtime';
import { parseTrustProxy } from '../../gateway/trust-proxy';

/**
 * The production stack's security and reliability properties, checked on the synthesised
 * CloudFormation. Each test would fail if the property regressed.
 */
const synth = (env: 'dev' | 'prod') => {
  const app = new App();
  const stack = new MarqueeStack(app, `Test-${env}`, { config: ENVIRONMENTS[env] });
  return { stack, template: Template.fromStack(stack) };
};
const dev = synth('dev');
const prod = synth('prod');

type Resource = { Type: string; Properties: Record<string, any> };
const resources = (t: Template, type: string) => Object.entries(t.findResources(type)) as [string, Resource][];

/** Every IAM action granted to a task role, with its resources, from all inline policies. */
function grants(t: Template, stack: MarqueeStack, service: 'gateway' | 'movies' | 'ratings' | 'notifications' | 'availability' | 'feed-processor') {
  const role = service === 'feed-processor' ? stack.feeds.role : stack.taskRoles[service];
  const roleId = stack.getLogicalId(role.node.defaultChild as any);
  const out: { actions: string[]; resources: string }[] = [];
  for (const [, policy] of resources(t, 'AWS::IAM::Policy')) {
    const roles = (policy.Properties.Roles ?? []).map((r: { Ref: string }) => r.Ref);
    if (!roles.includes(roleId)) continue;
    for (const st of policy.Properties.PolicyDocument.Statement) {
      out.push({ actions: [st.Action].flat(), resources: JSON.stringify(st.Resource) });
    }
  }
  return out;
}

describe.each([
  ['dev', dev],
  ['prod', prod],
])('%s stack', (_name, { stack, template }) => {
  it('has no public path to the subgraphs', () => {
    const services = resources(template, 'AWS::ECS::Service');
    // Four subgraphs, the gateway and the feed processor.
    expect(services).toHaveLength(6);
    for (const [, svc] of services) {
      expect(svc.Properties.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp).toBe('DISABLED');
    }
    // Only the gateway is behind the load balancer.
    const withLb = services.filter(([, s]) => s.Properties.LoadBalancers?.length);
    expect(withLb).toHaveLength(1);
    expect(withLb[0][1].Properties.LoadBalancers[0].ContainerName).toBe('gateway');
    // Subgraph security groups admit only the gateway's security group, on their own port.
    const gatewaySg = stack.getLogicalId((stack.node.findChild('GatewaySg') as any).node.defaultChild);
    for (const [port, name] of [
      [4001, 'Movies'],
      [4002, 'Ratings'],
      [4003, 'Notifications'],
      [4004, 'Availability'],
    ] as const) {
      const sgId = stack.getLogicalId((stack.node.findChild(`${name}Sg`) as any).node.defaultChild);
      const ingress = [
        ...resources(template, 'AWS::EC2::SecurityGroupIngress')
          .filter(([, r]) => JSON.stringify(r.Properties.GroupId).includes(sgId))
          .map(([, r]) => r.Properties),
        ...(((template.findResources('AWS::EC2::SecurityGroup')[sgId] as Resource).Properties.SecurityGroupIngress ?? []) as any[]),
      ];
      expect(ingress.length).toBeGreaterThan(0);
      for (const rule of ingress) {
        expect(rule.CidrIp).toBeUndefined();
        expect(JSON.stringify(rule.SourceSecurityGroupId)).toContain(gatewaySg);
        expect(rule.FromPort).toBe(port);
      }
    }
  });

  it('grants each task role exactly what it needs', () => {
    const all = (s: Parameters<typeof grants>[2]) => grants(template, stack, s).flatMap((g) => g.actions);
    expect(all('movies')).toEqual([]);
    expect(all('gateway')).toEqual([]);
    const ratings = grants(template, stack, 'ratings');
    // The role lookup works: ratings does have grants (so the empty lists above mean something).
    expect(ratings.length).toBeGreaterThanOrEqual(2);
    expect(ratings.flatMap((g) => g.actions).some((a) => a.startsWith('sns:'))).toBe(false);
    const ratingsTable = stack.getLogicalId(stack.tables.ratings.node.defaultChild as any);
    const eventsTable = stack.getLogicalId(stack.tables.events.node.defaultChild as any);
    const notificationsTable = stack.getLogicalId(stack.tables.notifications.node.defaultChild as any);
    const historyTable = stack.getLogicalId(stack.tables.scoreHistory.node.defaultChild as any);
    for (const g of ratings) {
      expect(g.resources).not.toContain(notificationsTable);
      if (g.resources.includes(eventsTable)) expect(g.actions.sort()).toEqual(['dynamodb:ConditionCheckItem', 'dynamodb:PutItem']);
      // The score history is the snapshot task's to write; ratings only reads it.
      else if (g.resources.includes(historyTable)) expect(g.actions).toEqual(['dynamodb:Query']);
      else expect(g.resources).toContain(ratingsTable);
    }
    const notifications = grants(template, stack, 'notifications');
    const publish = notifications.filter((g) => g.actions.includes('sns:Publish'));
    expect(publish).toHaveLength(1);
    expect(publish[0].resources).toContain('EventsTopic');
    for (const g of notifications) expect(g.resources).not.toContain(ratingsTable);
  });

  it('protects every table: on-demand, point-in-time recovery, encryption, TTL where items expire', () => {
    const tables = resources(template, 'AWS::DynamoDB::Table');
    expect(tables).toHaveLength(5);
    for (const [, t] of tables) {
      expect(t.Properties.BillingMode).toBe('PAY_PER_REQUEST');
      expect(t.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
      expect(t.Properties.SSESpecification).toEqual({ SSEEnabled: true });
    }
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: Match.stringLikeRegexp('^marquee-notifications-'),
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: Match.stringLikeRegexp('^marquee-score-history-'),
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: Match.stringLikeRegexp('^marquee-ratings-'),
      GlobalSecondaryIndexes: Match.arrayWith([Match.objectLike({ IndexName: 'byUser' }), Match.objectLike({ IndexName: 'reviews' })]),
    });
  });

  it('runs Redis with TLS in transit, encryption at rest and an AUTH token from Secrets Manager', () => {
    template.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', { TransitEncryptionEnabled: true, AtRestEncryptionEnabled: true });
    const [[, group]] = resources(template, 'AWS::ElastiCache::ReplicationGroup');
    const authSecret = stack.getLogicalId((stack.node.findChild('RedisAuthToken') as any).node.defaultChild);
    expect(JSON.stringify(group.Properties.AuthToken)).toMatch(new RegExp(`resolve:secretsmanager:.*${authSecret}|${authSecret}.*resolve:secretsmanager`));
    for (const [, task] of resources(template, 'AWS::ECS::TaskDefinition')) {
      const c = task.Properties.ContainerDefinitions[0];
      const secret = (c.Secrets ?? []).find((s: { Name: string }) => s.Name === 'REDIS_AUTH_TOKEN');
      expect({ name: c.Name, from: JSON.stringify(secret?.ValueFrom ?? null) }).toEqual({ name: c.Name, from: expect.stringContaining(authSecret) });
    }
  });

  it('suits long-lived connections (subscriptions): idle timeout, keep-alives, drain before deregistration', () => {
    const [[, alb]] = resources(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    const attrs = Object.fromEntries((alb.Properties.LoadBalancerAttributes as { Key: string; Value: string }[]).map((a) => [a.Key, a.Value]));
    const idleSeconds = Number(attrs['idle_timeout.timeout_seconds']);
    expect(idleSeconds).toBe(60);
    const gateway = resources(template, 'AWS::ECS::TaskDefinition')
      .flatMap(([, t]) => t.Properties.ContainerDefinitions)
      .find((c: { Name: string }) => c.Name === 'gateway');
    const env = (name: string) => Number(gateway.Environment.find((e: { Name: string }) => e.Name === name)?.Value);
    // At least two keep-alives per idle period: an idle subscription is never cut by the ALB.
    expect(env('LIVE_KEEPALIVE_MS') * 2).toBeLessThanOrEqual(idleSeconds * 1000);
    // The gateway keeps idle sockets longer than the ALB, so the ALB never reuses one being closed.
    expect(GATEWAY_KEEP_ALIVE_TIMEOUT_MS).toBeGreaterThan(idleSeconds * 1000);
    // On SIGTERM the gateway ends its streams (SHUTTING_DOWN, clients resume elsewhere) before the
    // ALB's deregistration delay runs out and cuts them; readiness fails first.
    const [[, tg]] = resources(template, 'AWS::ElasticLoadBalancingV2::TargetGroup');
    const tgAttrs = Object.fromEntries((tg.Properties.TargetGroupAttributes as { Key: string; Value: string }[]).map((a) => [a.Key, a.Value]));
    expect(Number(tgAttrs['deregistration_delay.timeout_seconds']) * 1000).toBeGreaterThan(env('SHUTDOWN_DELAY_MS'));
    expect(tg.Properties.HealthCheckPath).toBe('/ready');
    // Subscriptions need the live bus: the gateway and notifications tasks get Redis.
    for (const name of ['gateway', 'notifications']) {
      const c = resources(template, 'AWS::ECS::TaskDefinition')
        .flatMap(([, t]) => t.Properties.ContainerDefinitions)
        .find((d: { Name: string }) => d.Name === name);
      expect(c.Environment.map((e: { Name: string }) => e.Name)).toContain('REDIS_URL');
    }
  });

  it('reads TRUST_PROXY as one hop behind the ALB', () => {
    const gateway = resources(template, 'AWS::ECS::TaskDefinition')
      .flatMap(([, t]) => t.Properties.ContainerDefinitions)
      .find((c: { Name: string }) => c.Name === 'gateway');
    const value = gateway.Environment.find((e: { Name: string }) => e.Name === 'TRUST_PROXY').Value;
    expect(value).toBe('1');
    // What the gateway makes of the deployed value: the number 1 (one hop), not the address "1".
    expect(parseTrustProxy(value)).toEqual({ ok: true, value: 1 });
  });

  it('puts AWS WAF in front of the ALB: managed rule groups and a per-IP rate rule', () => {
    const [[aclId, acl]] = resources(template, 'AWS::WAFv2::WebACL');
    expect(acl.Properties.Scope).toBe('REGIONAL');
    const groups = acl.Properties.Rules.map((r: any) => r.Statement.ManagedRuleGroupStatement).filter(Boolean);
    expect(groups.map((g: any) => `${g.VendorName}/${g.Name}`).sort()).toEqual([
      'AWS/AWSManagedRulesAmazonIpReputationList',
      'AWS/AWSManagedRulesCommonRuleSet',
      'AWS/AWSManagedRulesKnownBadInputsRuleSet',
    ]);
    const rate = acl.Properties.Rules.find((r: any) => r.Statement.RateBasedStatement);
    expect(rate.Statement.RateBasedStatement).toEqual({ AggregateKeyType: 'IP', Limit: expect.any(Number) });
    expect(rate.Action).toEqual({ Block: {} });
    const albId = stack.getLogicalId((stack.node.findChild('Alb') as any).node.defaultChild);
    template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', { ResourceArn: { Ref: albId }, WebACLArn: { 'Fn::GetAtt': [aclId, 'Arn'] } });
  });

  it('never puts a secret in a plain environment variable', () => {
    for (const [, task] of resources(template, 'AWS::ECS::TaskDefinition')) {
      for (const c of task.Properties.ContainerDefinitions) {
        for (const e of c.Environment ?? []) expect(e.Name).not.toMatch(/SECRET|TOKEN|API_KEY|PARTNER_KEYS|PASSWORD/);
        // Each task gets only the secrets it needs: movies has no cursors, so no cursor key.
        const expected: Record<string, string[]> = {
          // The identity's private key is the gateway's alone; subgraphs verify with the public key.
          movies: ['GATEWAY_PUBLIC_KEY', 'OMDB_API_KEY', 'REDIS_AUTH_TOKEN', 'TMDB_ACCESS_TOKEN'],
          // The score snapshot calls TMDB and OMDb and uses Redis; it serves nothing, so it verifies no identity.
          snapshot: ['OMDB_API_KEY', 'REDIS_AUTH_TOKEN', 'TMDB_ACCESS_TOKEN'],
          ratings: ['CURSOR_SECRET', 'GATEWAY_PUBLIC_KEY', 'REDIS_AUTH_TOKEN', 'TMDB_ACCESS_TOKEN'],
          notifications: ['CURSOR_SECRET', 'GATEWAY_PUBLIC_KEY', 'REDIS_AUTH_TOKEN', 'TMDB_ACCESS_TOKEN'],
          availability: ['CURSOR_SECRET', 'GATEWAY_PUBLIC_KEY', 'REDIS_AUTH_TOKEN', 'TMDB_ACCESS_TOKEN'],
          // The processor checks films against TMDB and drops cached offers in Redis; it serves no GraphQL.
          'feed-processor': ['REDIS_AUTH_TOKEN', 'TMDB_ACCESS_TOKEN'],
          gateway: ['CACHE_INVALIDATION_TOKEN', 'GATEWAY_SIGNING_KEY', 'JWT_AUDIENCE', 'JWT_ISSUER', 'JWT_JWKS_URL', 'PARTNER_KEYS', 'REDIS_AUTH_TOKEN'],
        };
        expect((c.Secrets ?? []).map((s: { Name: string }) => s.Name).sort()).toEqual(expected[c.Name]);
      }
    }
  });

  it("keeps the identity's private key in a secret of its own that only the gateway task reads", () => {
    const from = (name: string) =>
      resources(template, 'AWS::ECS::TaskDefinition').flatMap(([, task]) =>
        task.Properties.ContainerDefinitions.flatMap((c: any) =>
          (c.Secrets ?? []).filter((x: { Name: string }) => x.Name === name).map((x: any) => ({ task: c.Name, ref: JSON.stringify(x.ValueFrom) })),
        ),
      );
    const signing = from('GATEWAY_SIGNING_KEY');
    expect(signing.map((s) => s.task)).toEqual(['gateway']);
    const verifying = from('GATEWAY_PUBLIC_KEY');
    expect(verifying.map((s) => s.task).sort()).toEqual(['availability', 'movies', 'notifications', 'ratings']);
    for (const v of verifying) expect(v.ref).not.toBe(signing[0].ref);
    // No subgraph's execution role may read the signing key's secret.
    const signingSecret = JSON.stringify(template.toJSON()).match(/"(GatewaySigningKey[A-Za-z0-9]*)"/)![1];
    const readers = resources(template, 'AWS::IAM::Policy')
      .filter(([, policy]) => JSON.stringify(policy.Properties.PolicyDocument).includes(signingSecret))
      .map(([id]) => id);
    expect(readers.length).toBeGreaterThan(0);
    for (const id of readers) expect(id).toMatch(/^Gateway/);
  });

  it('has health checks, rollback and drain time', () => {
    for (const [, svc] of resources(template, 'AWS::ECS::Service')) {
      expect(svc.Properties.DeploymentConfiguration.DeploymentCircuitBreaker).toEqual({ Enable: true, Rollback: true });
    }
    for (const [, task] of resources(template, 'AWS::ECS::TaskDefinition')) {
      const c = task.Properties.ContainerDefinitions[0];
      // The snapshot task serves nothing: it runs once and exits.
      if (c.Name === 'snapshot') continue;
      expect(JSON.stringify(c.HealthCheck.Command)).toContain('/health');
      if (c.Name === 'gateway') expect(c.StopTimeout).toBeGreaterThanOrEqual(45);
    }
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', { HealthCheckPath: '/ready' });
  });

  it('serves metrics on their own port, which the ALB cannot reach', () => {
    const containers = resources(template, 'AWS::ECS::TaskDefinition').flatMap(([, t]) => t.Properties.ContainerDefinitions);
    const ports: Record<string, [string, string, number]> = {
      gateway: ['METRICS_PORT', '9464', 4000],
      movies: ['MOVIES_METRICS_PORT', '9465', 4001],
      ratings: ['RATINGS_METRICS_PORT', '9466', 4002],
      notifications: ['NOTIFICATIONS_METRICS_PORT', '9467', 4003],
      availability: ['AVAILABILITY_METRICS_PORT', '9468', 4004],
    };
    for (const c of containers) {
      if (c.Name === 'feed-processor') {
        // Nothing reaches it: it pulls from its queue; /health is for the container check only.
        expect(c.Environment.find((e: { Name: string }) => e.Name === 'FEED_PROCESSOR_METRICS_PORT')?.Value).toBe('9469');
        expect(c.PortMappings ?? []).toEqual([]);
        continue;
      }
      if (c.Name === 'snapshot') {
        expect(c.PortMappings ?? []).toEqual([]);
        continue;
      }
      const [name, value, publicPort] = ports[c.Name];
      expect(c.Environment.find((e: { Name: string }) => e.Name === name)?.Value).toBe(value);
      expect(c.PortMappings.map((m: { ContainerPort: number }) => m.ContainerPort)).toEqual([publicPort]);
    }
    for (const [, tg] of resources(template, 'AWS::ElasticLoadBalancingV2::TargetGroup')) expect(tg.Properties.Port).toBe(4000);
    const albSg = stack.getLogicalId((stack.node.findChild('AlbSg') as any).node.defaultChild);
    const fromAlb = [
      ...resources(template, 'AWS::EC2::SecurityGroupIngress').map(([, r]) => r.Properties),
      ...resources(template, 'AWS::EC2::SecurityGroup').flatMap(([, r]) => r.Properties.SecurityGroupIngress ?? []),
    ].filter((rule: any) => JSON.stringify(rule.SourceSecurityGroupId ?? '').includes(albSg));
    expect(fromAlb.map((r: any) => [r.FromPort, r.ToPort])).toEqual([[4000, 4000]]);
  });

  it('keeps /metrics off the internet', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::ListenerRule', {
      Conditions: [Match.objectLike({ Field: 'path-pattern', PathPatternConfig: { Values: ['/metrics', '/metrics/*'] } })],
      Actions: [Match.objectLike({ Type: 'fixed-response', FixedResponseConfig: Match.objectLike({ StatusCode: '404' }) })],
    });
  });

  it('alarms on 5xx, p99 latency, the TMDB circuit and event lag', () => {
    const descriptions = resources(template, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties.AlarmDescription);
    expect(descriptions).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/5xx/),
        expect.stringMatching(/p99/),
        expect.stringMatching(/TMDB circuit/),
        expect.stringMatching(/events are waiting/),
      ]),
    );
  });

  it('runs the daily score snapshot as an ECS task that an EventBridge schedule starts, with only the data access it needs', () => {
    const taskId = stack.getLogicalId(stack.snapshot.task.node.defaultChild as any);
    const [[, schedule], ...more] = resources(template, 'AWS::Scheduler::Schedule');
    expect(more).toHaveLength(0);
    expect(schedule.Properties.ScheduleExpression).toMatch(/^cron\(/);
    expect(schedule.Properties.State ?? 'ENABLED').toBe('ENABLED');
    const target = schedule.Properties.Target;
    expect(JSON.stringify(target.Arn)).toContain(stack.getLogicalId(stack.node.findChild('Cluster').node.defaultChild as any));
    expect(JSON.stringify(target.EcsParameters.TaskDefinitionArn)).toContain(taskId);
    expect(target.EcsParameters.LaunchType).toBe('FARGATE');
    expect(target.EcsParameters.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp).toBe('DISABLED');
    expect(target.RetryPolicy.MaximumRetryAttempts).toBe(2);
    // The scheduler's role may start that task and pass its roles, nothing else.
    const roleId = (target.RoleArn['Fn::GetAtt'] as string[])[0];
    const statements = resources(template, 'AWS::IAM::Policy')
      .filter(([, p]) => (p.Properties.Roles ?? []).some((r: { Ref: string }) => r.Ref === roleId))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
    expect(statements.flatMap((st: any) => [st.Action].flat()).sort()).toEqual(['ecs:RunTask', 'iam:PassRole']);
    expect(JSON.stringify(statements.find((st: any) => st.Action === 'ecs:RunTask').Resource)).toContain(taskId);

    const container = resources(template, 'AWS::ECS::TaskDefinition')
      .flatMap(([, t]) => t.Properties.ContainerDefinitions)
      .find((c: { Name: string }) => c.Name === 'snapshot');
    expect(container.Command).toEqual(['node', 'dist/subgraphs/ratings/snapshot-main.js']);
    const env = Object.fromEntries(container.Environment.map((e: { Name: string; Value: unknown }) => [e.Name, JSON.stringify(e.Value)]));
    for (const [name, table] of [
      ['RATINGS_TABLE', stack.tables.ratings],
      ['NOTIFICATIONS_TABLE', stack.tables.notifications],
      ['SCORE_HISTORY_TABLE', stack.tables.scoreHistory],
    ] as const) {
      expect(env[name]).toContain(stack.getLogicalId(table.node.defaultChild as any));
    }

    // It reads the ratings and follows counters and writes the history: no other table, no SNS.
    const id = (t: keyof typeof stack.tables) => stack.getLogicalId(stack.tables[t].node.defaultChild as any);
    const roleLogical = stack.getLogicalId(stack.snapshot.role.node.defaultChild as any);
    const grantsOf = resources(template, 'AWS::IAM::Policy')
      .filter(([, p]) => (p.Properties.Roles ?? []).some((r: { Ref: string }) => r.Ref === roleLogical))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement)
      .map((st: any) => ({ actions: [st.Action].flat().sort(), resources: JSON.stringify(st.Resource) }));
    const on = (t: keyof typeof stack.tables) => grantsOf.filter((g) => g.resources.includes(id(t))).flatMap((g) => g.actions);
    expect(on('ratings').sort()).toEqual(['dynamodb:BatchGetItem', 'dynamodb:Scan']);
    expect(on('notifications')).toEqual(['dynamodb:Scan']);
    expect(on('scoreHistory').sort()).toEqual(['dynamodb:BatchGetItem', 'dynamodb:PutItem']);
    expect(on('events')).toEqual([]);
    expect(grantsOf.every((g) => ['ratings', 'notifications', 'scoreHistory'].some((t) => g.resources.includes(id(t as keyof typeof stack.tables))))).toBe(
      true,
    );
  });

  it('encrypts the events topic and filters the partner subscription', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'sqs',
      RawMessageDelivery: true,
      FilterPolicy: { eventType: ['RatingCreated', 'RatingUpdated'] },
    });
  });
});

describe('listeners', () => {
  it('prod serves HTTPS with the certificate and redirects HTTP', () => {
    prod.template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Protocol: 'HTTPS',
      Certificates: [{ CertificateArn: ENVIRONMENTS.prod.certificateArn }],
    });
    prod.template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80,
      DefaultActions: [Match.objectLike({ Type: 'redirect', RedirectConfig: Match.objectLike({ Protocol: 'HTTPS', Port: '443' }) })],
    });
  });

  it('dev without a certificate serves HTTP only', () => {
    expect(resources(dev.template, 'AWS::ElasticLoadBalancingV2::Listener').map(([, l]) => l.Properties.Protocol)).toEqual(['HTTP']);
  });

  it('prod Redis is multi-AZ with failover', () => {
    prod.template.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', { MultiAZEnabled: true, AutomaticFailoverEnabled: true, NumCacheClusters: 2 });
  });
});

describe('the gateway process', () => {
  it('starts with the same Node flags in the ECS task, the Dockerfile and the benchmark', () => {
    const tasks = resources(dev.template, 'AWS::ECS::TaskDefinition').flatMap(
      ([, t]) => t.Properties.ContainerDefinitions as { Name: string; Command: string[] }[],
    );
    expect(tasks.find((c) => c.Name === 'gateway')?.Command).toEqual(['node', ...GATEWAY_NODE_ARGS, GATEWAY_ENTRY]);
    expect(tasks.find((c) => c.Name === 'ratings')?.Command).toEqual(['node', 'dist/subgraphs/ratings/main.js']);
    const dockerfile = readFileSync(path.resolve(__dirname, '..', '..', 'Dockerfile'), 'utf8');
    expect(dockerfile).toContain(`gateway) exec node ${[...GATEWAY_NODE_ARGS, GATEWAY_ENTRY].join(' ')};;`);
  });
});

describe('provider feeds', () => {
  const { stack, template } = prod;
  const id = (c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as any);

  it('keeps the feed bucket private, encrypted, versioned, TLS-only and expiring', () => {
    const [[, bucket]] = resources(template, 'AWS::S3::Bucket');
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toBe('AES256');
    expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    const rules = bucket.Properties.LifecycleConfiguration.Rules;
    expect(rules).toContainEqual(
      expect.objectContaining({ Prefix: 'providers/', ExpirationInDays: 30, NoncurrentVersionExpiration: { NoncurrentDays: 7 }, Status: 'Enabled' }),
    );
    expect(rules).toContainEqual(expect.objectContaining({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }));
    const [[, policy]] = resources(template, 'AWS::S3::BucketPolicy');
    expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
  });

  it("sends the bucket's object-created events under providers/ to the queue, which dead-letters after 3 deliveries", () => {
    const [[, notifications]] = resources(template, 'Custom::S3BucketNotifications');
    const config = notifications.Properties.NotificationConfiguration.QueueConfigurations;
    expect(config).toHaveLength(1);
    expect(config[0].Events).toEqual(['s3:ObjectCreated:*']);
    expect(config[0].Filter.Key.FilterRules).toEqual(
      expect.arrayContaining([
        { Name: 'prefix', Value: 'providers/' },
        { Name: 'suffix', Value: '.json' },
      ]),
    );
    expect(JSON.stringify(config[0].QueueArn)).toContain(id(stack.feeds.queue));
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [id(stack.feeds.deadLetters), 'Arn'] }, maxReceiveCount: 3 },
      VisibilityTimeout: 300,
    });
    // The processor's FEED_MAX_RECEIVES is the queue's count: it alerts on the last delivery.
    const processor = resources(template, 'AWS::ECS::TaskDefinition')
      .flatMap(([, t]) => t.Properties.ContainerDefinitions)
      .find((c: { Name: string }) => c.Name === 'feed-processor');
    expect(processor.Environment).toContainEqual({ Name: 'FEED_MAX_RECEIVES', Value: '3' });
  });

  it('alarms on any message in the dead-letter queue', () => {
    const alarm = resources(template, 'AWS::CloudWatch::Alarm').find(([k]) => k === id(stack.feeds.deadLetterAlarm))![1];
    expect(alarm.Properties).toMatchObject({
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    expect(JSON.stringify(alarm.Properties.Dimensions)).toContain(id(stack.feeds.deadLetters));
  });

  it("scales the processor on the queue's depth", () => {
    const policies = resources(template, 'AWS::ApplicationAutoScaling::ScalingPolicy').filter(([k]) => k.startsWith('FeedProcessorService'));
    expect(policies.map(([, p]) => p.Properties.PolicyType)).toEqual(['StepScaling', 'StepScaling']);
    const alarms = resources(template, 'AWS::CloudWatch::Alarm').filter(([k]) => k.startsWith('FeedProcessorService'));
    expect(alarms.length).toBe(2);
    for (const [, a] of alarms) {
      expect(a.Properties.MetricName).toBe('ApproximateNumberOfMessagesVisible');
      expect(JSON.stringify(a.Properties.Dimensions)).toContain(id(stack.feeds.queue));
    }
  });

  it('grants the processor and the subgraph only their part', () => {
    const processor = grants(template, stack, 'feed-processor');
    const bucket = id(stack.feeds.bucket);
    const s3 = processor.filter((g) => g.actions.some((a) => a.startsWith('s3:')));
    expect(s3).toEqual([{ actions: ['s3:GetObject'], resources: expect.stringContaining('/providers/*') }]);
    expect(s3[0].resources).toContain(bucket);
    expect(processor.filter((g) => g.actions.includes('sns:Publish')).map((g) => g.resources)).toEqual([expect.stringContaining('FeedsProviderAlerts')]);
    expect(processor.flatMap((g) => g.actions)).toEqual(expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility']));
    expect(processor.flatMap((g) => g.actions).some((a) => a.startsWith('sqs:Send'))).toBe(false);
    const subgraph = grants(template, stack, 'availability');
    const puts = subgraph.filter((g) => g.actions.some((a) => a.startsWith('s3:')));
    expect(puts).toEqual([{ actions: ['s3:PutObject', 's3:GetObject'], resources: expect.stringContaining('/providers/*') }]);
    expect(subgraph.flatMap((g) => g.actions).some((a) => a.startsWith('sqs:') || a.startsWith('sns:'))).toBe(false);
    for (const g of [...processor, ...subgraph])
      if (g.actions.some((a) => a.startsWith('dynamodb:'))) expect(g.resources).toContain(id(stack.tables.availability));
  });

  it('starts the processor from the image as the ECS task does, with its health port', () => {
    const processor = resources(template, 'AWS::ECS::TaskDefinition')
      .flatMap(([, t]) => t.Properties.ContainerDefinitions)
      .find((c: { Name: string }) => c.Name === 'feed-processor');
    expect(processor.Command).toEqual(['node', 'dist/subgraphs/availability/processor/main.js']);
    const port = processor.Environment.find((e: { Name: string }) => e.Name === 'FEED_PROCESSOR_PORT').Value;
    expect(JSON.stringify(processor.HealthCheck.Command)).toContain(`127.0.0.1:${port}/health`);
    const dockerfile = readFileSync(path.resolve(__dirname, '..', '..', 'Dockerfile'), 'utf8');
    expect(dockerfile).toContain(`feed-processor) exec ${processor.Command.join(' ')};;`);
    expect(dockerfile).toContain(`'feed-processor':${port}`);
  });

  it('lets providers subscribe to a TLS-only alert topic', () => {
    const [, topic] = resources(template, 'AWS::SNS::Topic').find(([k]) => k === id(stack.feeds.alerts))!;
    expect(topic.Properties.TopicName).toBe('marquee-provider-alerts-prod');
    const [[, policy]] = resources(template, 'AWS::SNS::TopicPolicy').filter(([, p]) => JSON.stringify(p.Properties.Topics).includes(id(stack.feeds.alerts)));
    expect(JSON.stringify(policy.Properties.PolicyDocument)).toContain('aws:SecureTransport');
  });
});
