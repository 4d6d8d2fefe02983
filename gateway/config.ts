import { z } from 'zod';
import { parseTrustProxy } from './trust-proxy';
import { PATCH_NAMES } from './apollo-patches';
import { parsePartnerKeys } from './pipeline/partner-key';
import { commonEnv, ConfigError, gatewayKey, isProduction, loadConfig, port, positiveInt, requireInProduction } from '../platform/config';

const optionalPositiveInt = () => z.coerce.number().int().positive().optional();

const schema = z.object({
  ...commonEnv,
  /** The private key that signs callers' identities for the subgraphs (ES256 or EdDSA); only the gateway has it. */
  GATEWAY_SIGNING_KEY: gatewayKey('private'),
  GATEWAY_PORT: port(4000),
  /** Prometheus /metrics, never routed by the load balancer. */
  METRICS_PORT: port(9464),
  MOVIES_URL: z.string().url().default('http://127.0.0.1:4001/graphql'),
  RATINGS_URL: z.string().url().default('http://127.0.0.1:4002/graphql'),
  NOTIFICATIONS_URL: z.string().url().default('http://127.0.0.1:4003/graphql'),
  AVAILABILITY_URL: z.string().url().default('http://127.0.0.1:4004/graphql'),
  SUPERGRAPH_PATH: z.string().default('schema/supergraph.graphql'),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  JWT_JWKS_URL: z.string().url().optional(),
  JWT_ISSUER: z.string().optional(),
  JWT_AUDIENCE: z.string().optional(),
  /** Longest accepted user-token lifetime (exp - iat, and exp - now): `24h`, `90m`, `3600s` or seconds. */
  JWT_MAX_TOKEN_LIFETIME: z
    .string()
    .default('24h')
    .transform((raw, ctx) => {
      const m = /^(\d+)(s|m|h|d)?$/.exec(raw.trim());
      const seconds = m ? Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86_400 }[(m[2] ?? 's') as 's' | 'm' | 'h' | 'd'] : 0;
      if (seconds > 0) return seconds;
      ctx.addIssue({ code: 'custom', message: 'must be a positive duration such as 24h, 90m or 3600s' });
      return z.NEVER;
    }),
  JWT_ALLOW_HS256_IN_PRODUCTION: z.enum(['true', 'false']).default('false'),
  CORS_ORIGINS: z.string().default('*'),
  INTROSPECTION: z.enum(['true', 'false']).optional(),
  BODY_LIMIT: z
    .string()
    .regex(/^\d+(b|kb|mb)$/i, 'must look like 100kb or 1mb')
    .default('100kb'),
  SUBGRAPH_TIMEOUT_MS: positiveInt(10_000),
  SUBGRAPH_CONNECTIONS: positiveInt(64),
  SUBGRAPH_DEDUPE: z.enum(['on', 'off']).default('on'),
  SUBGRAPH_BATCHING: z.enum(['on', 'off']).default('on'),
  /** An entity fetch sends each distinct representation once (subgraph-client/representations.ts). */
  SUBGRAPH_DEDUPE_REPRESENTATIONS: z.enum(['on', 'off']).default('on'),
  /** A check for tests: subgraph answers shared between requests are deep-frozen, so that a write into one fails the request. */
  SUBGRAPH_FREEZE_SHARED: z.enum(['on', 'off']).default('off'),
  SUBGRAPH_CACHE: z.enum(['on', 'off']).default('on'),
  /** With SUBGRAPH_CACHE: `_entities` fetches cached per entity, only the missing ones sent (subgraph-client/entity-split.ts). */
  SUBGRAPH_ENTITY_CACHE: z.enum(['on', 'off']).default('on'),
  /** Bearer token of the operators' POST /cache/invalidation (pipeline/cache-invalidation.ts); unset = no endpoint. */
  CACHE_INVALIDATION_TOKEN: z.string().min(32, 'must be at least 32 characters').optional(),
  /** Marquee's replacements of Apollo internals (gateway/apollo-patches/); off runs Apollo's own code. */
  APOLLO_PATCHES: z.enum(['on', 'off']).default('on'),
  /** Comma-separated patches to leave out, one by one (gateway/apollo-patches/index.ts PATCH_NAMES). */
  APOLLO_PATCHES_SKIP: z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(PATCH_NAMES))),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .optional(),
  /** Subscriptions over SSE and WebSocket (docs/live.md); they need REDIS_URL (the live bus). */
  SUBSCRIPTIONS: z.enum(['on', 'off']).default('on'),
  /** Keep-alive comment or ping on an idle live connection, every this many ms. */
  LIVE_KEEPALIVE_MS: positiveInt(15_000),
  /** Live connections (SSE streams, WebSockets) one user may hold on a replica, and the replica in all. */
  LIVE_MAX_CONNECTIONS_PER_USER: positiveInt(5),
  LIVE_MAX_CONNECTIONS: positiveInt(10_000),
  MAX_DEPTH: positiveInt(12),
  MAX_ALIASES: positiveInt(30),
  MAX_COST: positiveInt(1000),
  MAX_TOKENS: positiveInt(3_000),
  MAX_DIRECTIVES: positiveInt(30),
  RATE_LIMIT_ANONYMOUS: positiveInt(600),
  RATE_LIMIT_USER: positiveInt(1200),
  RATE_LIMIT_AUTH_FAILURES: positiveInt(20),
  RATE_LIMIT_PARTNER_STANDARD: positiveInt(3000),
  RATE_LIMIT_PARTNER_PREMIUM: positiveInt(12000),
  RATE_LIMIT_PARTNER_INTERNAL: positiveInt(60000),
  /** Demand-control cost per minute (MAX_COST units) per IP / user / partner tier; unset = no cost limit for that kind. */
  RATE_LIMIT_COST_ANONYMOUS: optionalPositiveInt(),
  RATE_LIMIT_COST_USER: optionalPositiveInt(),
  RATE_LIMIT_COST_PARTNER_STANDARD: optionalPositiveInt(),
  RATE_LIMIT_COST_PARTNER_PREMIUM: optionalPositiveInt(),
  RATE_LIMIT_COST_PARTNER_INTERNAL: optionalPositiveInt(),
  PARTNER_KEYS: z.string().optional(),
  SAFELIST: z.enum(['off', 'enforce']).default('off'),
  PERSISTED_OPERATIONS_PATH: z.string().default('schema/persisted-operations.json'),
  RESPONSE_CACHE: z.enum(['on', 'off']).default('on'),
  TRUST_PROXY: z
    .string()
    .default('loopback')
    .transform((raw, ctx) => {
      const parsed = parseTrustProxy(raw);
      if (parsed.ok) return parsed.value;
      ctx.addIssue({ code: 'custom', message: parsed.error });
      return z.NEVER;
    }),
  GATEWAY_WORKERS: positiveInt(1),
  SHUTDOWN_GRACE_MS: positiveInt(25_000),
  SHUTDOWN_DELAY_MS: z.coerce.number().int().min(0).max(120_000).default(0),
});

export type GatewayConfig = Omit<z.infer<typeof schema>, 'INTROSPECTION'> & { introspection: boolean };

export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const cfg = loadConfig('gateway', schema, env);
  requireInProduction(cfg, 'GATEWAY_SIGNING_KEY', cfg.GATEWAY_SIGNING_KEY);
  if (!cfg.JWT_SECRET && !cfg.JWT_JWKS_URL) {
    throw new ConfigError('gateway: set JWT_JWKS_URL (production) or JWT_SECRET (local mode) to verify user tokens');
  }
  // A shared HS256 secret lets whoever holds it mint any user: production uses the identity
  // provider's keys unless someone says in the configuration that this deployment is different.
  if (isProduction(cfg) && cfg.JWT_SECRET && cfg.JWT_ALLOW_HS256_IN_PRODUCTION !== 'true') {
    throw new ConfigError(
      'gateway: JWT_SECRET (HS256 user tokens) is refused when NODE_ENV=production; use JWT_JWKS_URL, or set JWT_ALLOW_HS256_IN_PRODUCTION=true',
    );
  }
  if (isProduction(cfg) && cfg.JWT_JWKS_URL && (!cfg.JWT_ISSUER || !cfg.JWT_AUDIENCE)) {
    throw new ConfigError('gateway: JWT_ISSUER and JWT_AUDIENCE are required with JWT_JWKS_URL');
  }
  // A malformed PARTNER_KEYS stops start-up here, before anything runs (the partner-key step parses it again).
  parsePartnerKeys(cfg.PARTNER_KEYS);
  // Introspection and Sandbox are for local development; production opts in explicitly.
  const introspection = cfg.INTROSPECTION ? cfg.INTROSPECTION === 'true' : !isProduction(cfg);
  return { ...cfg, introspection };
}
