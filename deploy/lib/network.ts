import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { StackScope } from './scope';
import { PORTS, SUBGRAPH_NAMES, type ServiceName } from './services-spec';

export interface Network {
  vpc: ec2.Vpc;
  /** A security group in the VPC, `<name>Sg`, all outbound allowed. */
  securityGroup: (name: string) => ec2.SecurityGroup;
}

/** A VPC over two AZs: public subnets for the load balancer, app subnets with egress, isolated data subnets. */
export function createNetwork({ stack, cfg }: StackScope): Network {
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    maxAzs: 2,
    natGateways: cfg.natGateways,
    subnetConfiguration: [
      { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
      { name: 'app', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
      { name: 'data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
    ],
  });
  const securityGroup = (name: string) => new ec2.SecurityGroup(stack, `${name}Sg`, { vpc, allowAllOutbound: true, description: `Marquee ${name}` });
  return { vpc, securityGroup };
}

export interface SecurityGroups {
  alb: ec2.SecurityGroup;
  services: Record<ServiceName, ec2.SecurityGroup>;
  redis: ec2.SecurityGroup;
}

/**
 * Who may reach whom: the internet reaches the load balancer, the load balancer the gateway,
 * the gateway the subgraphs, every service Redis. Nothing else has an ingress rule.
 */
export function createSecurityGroups(network: Network): SecurityGroups {
  const sg = network.securityGroup;
  const alb = sg('Alb');
  const services: Record<ServiceName, ec2.SecurityGroup> = {
    gateway: sg('Gateway'),
    movies: sg('Movies'),
    ratings: sg('Ratings'),
    notifications: sg('Notifications'),
  };
  const redis = sg('Redis');
  alb.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS from anywhere');
  alb.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(80), 'HTTP (redirected to HTTPS when a certificate is set)');
  services.gateway.addIngressRule(alb, ec2.Port.tcp(PORTS.gateway), 'from the load balancer only');
  for (const name of SUBGRAPH_NAMES) {
    // Subgraphs answer the gateway and nobody else (they also check its signature).
    services[name].addIngressRule(services.gateway, ec2.Port.tcp(PORTS[name]), 'from the gateway only');
  }
  for (const name of ['gateway', ...SUBGRAPH_NAMES] as const) {
    redis.addIngressRule(services[name], ec2.Port.tcp(6379), `Redis from ${name}`);
  }
  return { alb, services, redis };
}
