/**
 * Per-environment settings of the production stack. Everything an operator tunes lives here;
 * the stack reads nothing else (no context look-ups), so `npm run synth` works offline.
 */
export interface ServiceSize {
  cpu: number;
  memoryMiB: number;
  desired: number;
  max: number;
}

export interface EnvironmentConfig {
  name: 'dev' | 'prod';
  /** Region and account are left to the CLI/credentials (env-agnostic synth). */
  natGateways: number;
  gateway: ServiceSize;
  subgraph: ServiceSize;
  redisNodeType: string;
  /** Multi-AZ Redis with automatic failover (needs 2+ nodes). */
  redisMultiAz: boolean;
  /** ACM certificate for the public HTTPS listener; without one the ALB listens on HTTP only. */
  certificateArn?: string;
  /** The domain partners use, for documentation and CORS. */
  domain?: string;
  /** ECR repository (created once by an operator, see docs/deploy.md) and the image tag to run. */
  ecrRepository: string;
  imageTag: string;
  logRetentionDays: number;
  /** Tables and keys survive `cdk destroy` in prod. */
  retainData: boolean;
  /** AWS WAF: requests per IP per 5 minutes before it blocks (above the gateway's anonymous 600/min; partners' premium tiers need more: send them through a separate rule or IP set). */
  wafRatePerIpPer5Min: number;
  /** Alarm thresholds. */
  alarms: { p99LatencySeconds: number; fivexxPerMinute: number; eventLagSeconds: number };
}

const imageTag = process.env.MARQUEE_IMAGE_TAG ?? 'latest';

export const ENVIRONMENTS: Record<'dev' | 'prod', EnvironmentConfig> = {
  dev: {
    name: 'dev',
    natGateways: 1,
    gateway: { cpu: 512, memoryMiB: 1024, desired: 1, max: 2 },
    subgraph: { cpu: 256, memoryMiB: 512, desired: 1, max: 2 },
    redisNodeType: 'cache.t4g.micro',
    redisMultiAz: false,
    ecrRepository: 'marquee',
    imageTag,
    logRetentionDays: 14,
    retainData: false,
    wafRatePerIpPer5Min: 10_000,
    alarms: { p99LatencySeconds: 2, fivexxPerMinute: 10, eventLagSeconds: 300 },
  },
  prod: {
    name: 'prod',
    natGateways: 2,
    gateway: { cpu: 1024, memoryMiB: 2048, desired: 2, max: 10 },
    subgraph: { cpu: 512, memoryMiB: 1024, desired: 2, max: 8 },
    redisNodeType: 'cache.t4g.small',
    redisMultiAz: true,
    certificateArn: process.env.MARQUEE_CERTIFICATE_ARN ?? 'arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000',
    domain: process.env.MARQUEE_DOMAIN ?? 'api.marquee.example',
    ecrRepository: 'marquee',
    imageTag,
    logRetentionDays: 90,
    retainData: true,
    wafRatePerIpPer5Min: 15_000,
    alarms: { p99LatencySeconds: 1, fivexxPerMinute: 5, eventLagSeconds: 120 },
  },
};
