import { Duration } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import type { Network } from './network';
import type { StackScope } from './scope';
import { ALB_IDLE_TIMEOUT_SECONDS, PORTS } from './services-spec';

export interface Edge {
  alb: elbv2.ApplicationLoadBalancer;
  /** The gateway's targets, healthy while `/ready` answers 200. */
  targets: elbv2.ApplicationTargetGroup;
}

/**
 * The public edge: an internet-facing ALB (HTTPS with a certificate, HTTP otherwise; `/metrics`
 * answered 404 before it reaches a task) in front of the gateway, and AWS WAF in front of the ALB.
 */
export function createEdge({ stack, cfg }: StackScope, network: Network, albSg: ec2.SecurityGroup, gateway: ecs.FargateService): Edge {
  const vpc = network.vpc;
  // WebSocket and SSE pass through the ALB as they are; the idle timeout is explicit because the
  // gateway's keep-alives are timed against it (services-spec.ts).
  const alb = new elbv2.ApplicationLoadBalancer(stack, 'Alb', {
    vpc,
    internetFacing: true,
    securityGroup: albSg,
    dropInvalidHeaderFields: true,
    idleTimeout: Duration.seconds(ALB_IDLE_TIMEOUT_SECONDS),
  });
  const targets = new elbv2.ApplicationTargetGroup(stack, 'GatewayTargets', {
    vpc,
    port: PORTS.gateway,
    protocol: elbv2.ApplicationProtocol.HTTP,
    targetType: elbv2.TargetType.IP,
    targets: [gateway.loadBalancerTarget({ containerName: 'gateway', containerPort: PORTS.gateway })],
    healthCheck: { path: '/ready', healthyHttpCodes: '200', interval: Duration.seconds(10), healthyThresholdCount: 2, unhealthyThresholdCount: 3 },
    // Longer than the gateway's SHUTDOWN_DELAY_MS: live streams are ended by the gateway (a close
    // clients resume from, docs/live.md), not cut by the ALB when the delay runs out.
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
  createWaf({ stack, cfg }, alb);
  return { alb, targets };
}

/**
 * AWS's managed rules for common exploits, known bad inputs and IP reputation, and a per-IP
 * rate rule well above the gateway's own limits (it stops floods before they cost a task
 * anything; the gateway's limits stay the precise ones).
 */
function createWaf({ stack, cfg }: Pick<StackScope, 'stack' | 'cfg'>, alb: elbv2.ApplicationLoadBalancer): void {
  const managed = (name: string, priority: number) => ({
    name,
    priority,
    overrideAction: { none: {} },
    statement: { managedRuleGroupStatement: { vendorName: 'AWS', name } },
    visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: name, sampledRequestsEnabled: true },
  });
  const acl = new wafv2.CfnWebACL(stack, 'WebAcl', {
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
  new wafv2.CfnWebACLAssociation(stack, 'WebAclAssociation', { resourceArn: alb.loadBalancerArn, webAclArn: acl.attrArn });
}
