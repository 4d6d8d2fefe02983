import type { ApolloGateway } from '@apollo/gateway';
import Redis from 'ioredis';
import type { Logger } from '../../platform/logger';
import { liveExecutor, type LiveExecutor } from '../apollo-patches/subscriptions';
import type { GatewayConfig } from '../config';
import { LiveHub } from './hub';
import type { LiveDeps } from './stream';

/**
 * Subscriptions' parts for one gateway process (docs/live.md): the executor on Apollo's planner
 * (apollo-patches/subscriptions.ts) and this replica's end of the live bus. None when
 * SUBSCRIPTIONS=off, without REDIS_URL (no bus: no events), or over untested Apollo versions;
 * a subscription then answers 503 SUBSCRIPTIONS_UNAVAILABLE. Logged once at start.
 */
export function createLive(cfg: GatewayConfig, gateway: ApolloGateway, logger: Logger): { executor?: LiveExecutor; hub?: LiveHub } {
  if (cfg.SUBSCRIPTIONS === 'off') {
    logger.info('subscriptions off (SUBSCRIPTIONS=off)');
    return {};
  }
  if (!cfg.REDIS_URL) {
    logger.warn('subscriptions off: they need REDIS_URL (the live bus)');
    return {};
  }
  const executor = liveExecutor(gateway);
  if ('unavailable' in executor) {
    logger.warn({ reason: executor.unavailable }, `subscriptions off: ${executor.unavailable}`);
    return {};
  }
  const connect = (name: string) => {
    const redis = new Redis(cfg.REDIS_URL!, {
      ...(cfg.REDIS_AUTH_TOKEN ? { password: cfg.REDIS_AUTH_TOKEN } : {}),
      connectionName: name,
      connectTimeout: 2000,
      commandTimeout: name === 'live-reader' ? 2000 : undefined,
      retryStrategy: (times) => Math.min(times * 200, 2000),
    });
    redis.on('error', (err: Error) => logger.debug({ err: err.message, connection: name }, 'live bus connection error'));
    return redis;
  };
  return { executor, hub: new LiveHub(connect('live-subscriber'), connect('live-reader'), logger.child({ component: 'live' })) };
}

export type { LiveDeps };
