import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Network } from './network';
import type { StackScope } from './scope';

export interface RedisCache {
  /** `rediss://host:port` (TLS). */
  url: string;
  /** The AUTH token every Redis client sends (REDIS_AUTH_TOKEN). */
  authToken: secretsmanager.Secret;
}

/** ElastiCache Redis in the isolated subnets, TLS in transit, encrypted at rest, AUTH token from Secrets Manager. */
export function createRedis({ stack, cfg }: StackScope, network: Network, securityGroup: ec2.SecurityGroup): RedisCache {
  // AUTH on top of TLS: being inside the security group is not enough to read the cache.
  // ElastiCache refuses '/', '"' and '@' in the token.
  const authToken = new secretsmanager.Secret(stack, 'RedisAuthToken', {
    description: 'ElastiCache Redis AUTH token',
    generateSecretString: { passwordLength: 64, excludePunctuation: true },
  });
  const subnets = new elasticache.CfnSubnetGroup(stack, 'RedisSubnets', {
    description: 'Marquee Redis',
    subnetIds: network.vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_ISOLATED }).subnetIds,
  });
  const redis = new elasticache.CfnReplicationGroup(stack, 'Redis', {
    replicationGroupDescription: `Marquee cache (${cfg.name})`,
    engine: 'redis',
    engineVersion: '7.1',
    cacheNodeType: cfg.redisNodeType,
    numCacheClusters: cfg.redisMultiAz ? 2 : 1,
    automaticFailoverEnabled: cfg.redisMultiAz,
    multiAzEnabled: cfg.redisMultiAz,
    transitEncryptionEnabled: true,
    atRestEncryptionEnabled: true,
    authToken: authToken.secretValue.unsafeUnwrap(),
    cacheSubnetGroupName: subnets.ref,
    securityGroupIds: [securityGroup.securityGroupId],
  });
  return { url: `rediss://${redis.attrPrimaryEndPointAddress}:${redis.attrPrimaryEndPointPort}`, authToken };
}
