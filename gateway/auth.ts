import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { GatewayConfig } from './config';

/**
 * Verifies end-user bearer tokens: HS256 with JWT_SECRET in local mode, or keys from the
 * identity provider's JWKS in production. Algorithms are pinned, so `alg: none` and
 * HS/RS confusion are refused by construction.
 */
export class AuthError extends Error {
  override name = 'AuthError';
}

export type TokenVerifier = (authorization: string | undefined) => Promise<string | null>;

export function createTokenVerifier(cfg: Pick<GatewayConfig, 'JWT_SECRET' | 'JWT_JWKS_URL' | 'JWT_ISSUER' | 'JWT_AUDIENCE'>): TokenVerifier {
  const jwks: JWTVerifyGetKey | undefined = cfg.JWT_JWKS_URL ? createRemoteJWKSet(new URL(cfg.JWT_JWKS_URL)) : undefined;
  const secret = cfg.JWT_SECRET ? new TextEncoder().encode(cfg.JWT_SECRET) : undefined;
  const options = {
    issuer: cfg.JWT_ISSUER,
    audience: cfg.JWT_AUDIENCE,
    clockTolerance: 5,
  };

  return async (authorization) => {
    if (!authorization) return null;
    const match = /^Bearer ([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*\.[A-Za-z0-9_\-]*)$/.exec(authorization.trim());
    if (!match) throw new AuthError('Authorization must be "Bearer <JWT>".');
    try {
      const { payload } = jwks
        ? await jwtVerify(match[1], jwks, { ...options, algorithms: ['RS256', 'ES256', 'PS256', 'EdDSA'] })
        : await jwtVerify(match[1], secret!, { ...options, algorithms: ['HS256'] });
      if (typeof payload.sub !== 'string' || payload.sub.length === 0 || payload.sub.length > 128) {
        throw new AuthError('The token has no valid subject.');
      }
      return payload.sub;
    } catch (err) {
      if (err instanceof AuthError) throw err;
      const code = (err as { code?: string }).code;
      throw new AuthError(code === 'ERR_JWT_EXPIRED' ? 'The token has expired.' : 'The token is invalid.');
    }
  };
}
