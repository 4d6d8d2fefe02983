import { z } from 'zod';
import { gatewayKeyProblem } from './identity';

/**
 * Every service parses its environment once, at start, through a zod schema, so a bad value
 * stops the process with one readable line instead of failing later on a request.
 */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig<S extends z.ZodType>(service: string, schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  // Empty strings count as unset: shells and compose files often export `VAR=`.
  const cleaned: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '') cleaned[k] = v;
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`).join('; ');
    throw new ConfigError(`${service}: invalid configuration: ${problems}`);
  }
  return parsed.data;
}

export const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
export const url = () => z.string().url();
export const optionalUrl = () => z.string().url().optional();
export const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');
export const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** Settings every service shares. */
export const commonEnv = {
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  AWS_REGION: z.string().default('us-east-1'),
  /** Redis AUTH (ElastiCache auth token), sent with every connection when set. */
  REDIS_AUTH_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
};

/**
 * A gateway identity key (platform/identity.ts): `private` for the gateway's
 * GATEWAY_SIGNING_KEY, `public` for the subgraphs' GATEWAY_PUBLIC_KEY (a private key is refused
 * there: a subgraph must not be able to mint identities).
 */
export const gatewayKey = (kind: 'private' | 'public') =>
  z
    .string()
    .optional()
    .superRefine((text, ctx) => {
      const problem = text === undefined ? null : gatewayKeyProblem(text, kind);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });

/** Settings every subgraph shares. */
export const subgraphEnv = {
  GATEWAY_PUBLIC_KEY: gatewayKey('public'),
};

export function isProduction(env: { NODE_ENV: string }): boolean {
  return env.NODE_ENV === 'production';
}

/** Fails start-up in production when a secret that local mode may generate is missing. */
export function requireInProduction<T>(env: { NODE_ENV: string }, name: string, value: T | undefined): void {
  if (isProduction(env) && (value === undefined || value === '')) {
    throw new ConfigError(`${name} is required when NODE_ENV=production`);
  }
}
