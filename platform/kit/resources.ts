import type { SNSClient } from '@aws-sdk/client-sns';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Registry } from 'prom-client';
import { createDynamoDb, createSns } from '../aws';
import { createCache, type Cache } from '../cache';
import { isProduction } from '../config';
import { createLogger, type Logger } from '../logger';
import { createMetricsRegistry } from '../metrics';
import type { TmdbClient } from '../tmdb/client';
import type { TmdbEnv } from '../tmdb/config';
import { createTmdbClient } from '../tmdb/create-client';

/** The settings the kit reads itself (platform/config.ts's commonEnv, tmdbEnv, and the AWS endpoints). */
export interface KitEnv {
  NODE_ENV: string;
  LOG_LEVEL: string;
  AWS_REGION: string;
  REDIS_URL?: string;
  REDIS_AUTH_TOKEN?: string;
  DYNAMODB_ENDPOINT?: string;
  SNS_ENDPOINT?: string;
}

/** Clients a caller (a test) hands in to observe or replace the kit's own. The caller closes them. */
export interface InjectedClients {
  doc?: DynamoDBDocumentClient;
  sns?: SNSClient;
}

/**
 * What a subgraph's setup may ask the kit for. Each client is made on first use and once per
 * process; at shutdown the kit closes what it made, never what was injected.
 */
export interface Kit {
  readonly name: string;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly production: boolean;
  /** GATEWAY_PUBLIC_KEY (cursorKey derives a cursor secret from it where none is set). */
  readonly gatewayPublicKey: string;
  /** Redis at REDIS_URL, else in memory. */
  cache(): Cache;
  /** The TMDB client on this process's cache, budget and metrics, from the subgraph's TMDB settings. */
  tmdb(env: TmdbEnv): TmdbClient;
  /** DynamoDB at DYNAMODB_ENDPOINT (else AWS), with calls counted by command; or the injected one. */
  dynamodb(): DynamoDBDocumentClient;
  /** SNS at SNS_ENDPOINT (else AWS); or the injected one. */
  sns(): SNSClient;
  /** Something setup made itself, closed with the kit's own at shutdown. */
  onClose(what: string, close: () => unknown): void;
}

/** Closers of what was made, run in reverse order so nothing is closed before what uses it. */
export class Closers {
  private readonly list: { what: string; close: () => unknown }[] = [];

  add(what: string, close: () => unknown): void {
    this.list.push({ what, close });
  }

  /** Runs each once; one failing is logged and the rest still run. */
  async closeAll(logger: Logger): Promise<void> {
    for (const { what, close } of this.list.splice(0).reverse()) {
      try {
        await close();
      } catch (err) {
        logger.warn({ err, what }, 'closing failed');
      }
    }
  }
}

function lazy<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
}

export function createKit(name: string, cfg: KitEnv, gatewayPublicKey: string, injected: InjectedClients = {}): { kit: Kit; close: () => Promise<void> } {
  const logger = createLogger(name, cfg.LOG_LEVEL);
  const registry = createMetricsRegistry(name);
  const closers = new Closers();
  const aws = { region: cfg.AWS_REGION };

  const cache = lazy(() => {
    const made = createCache({ redisUrl: cfg.REDIS_URL, redisAuthToken: cfg.REDIS_AUTH_TOKEN, logger, registry });
    closers.add('cache', () => made.close());
    return made;
  });
  // Nothing of its own to close: its budget lives on the cache's Redis connection.
  let tmdbClient: TmdbClient | undefined;
  const dynamodb = lazy(() => {
    if (injected.doc) return injected.doc;
    const made = createDynamoDb({ ...aws, endpoint: cfg.DYNAMODB_ENDPOINT }, registry);
    closers.add('dynamodb', () => made.destroy());
    return made;
  });
  const sns = lazy(() => {
    if (injected.sns) return injected.sns;
    const made = createSns({ ...aws, endpoint: cfg.SNS_ENDPOINT });
    closers.add('sns', () => made.destroy());
    return made;
  });

  const kit: Kit = {
    name,
    logger,
    registry,
    production: isProduction(cfg),
    gatewayPublicKey,
    cache,
    tmdb: (env) => (tmdbClient ??= createTmdbClient(env, { cache: cache(), logger, registry })),
    dynamodb,
    sns,
    onClose: (what, close) => closers.add(what, close),
  };
  return { kit, close: () => closers.closeAll(logger) };
}
