import type { RequestHandler } from 'express';
import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { GatewayConfig } from '../config';
import type { CredentialGuard } from './auth-failures';
import { locals } from './locals';

/**
 * Verifies end-user bearer tokens: HS256 with JWT_SECRET in local mode, or keys from the
 * identity provider's JWKS in production. Algorithms are pinned, so `alg: none` and
 * HS/RS confusion are refused by construction. Every token must expire (`exp`), within
 * JWT_MAX_TOKEN_LIFETIME.
 */
export class AuthError extends Error {
  override name = 'AuthError';
}

export type TokenVerifier = (authorization: string | undefined) => Promise<string | null>;

export function createTokenVerifier(
  cfg: Pick<GatewayConfig, 'JWT_SECRET' | 'JWT_JWKS_URL' | 'JWT_ISSUER' | 'JWT_AUDIENCE' | 'JWT_MAX_TOKEN_LIFETIME'>,
): TokenVerifier {
  const jwks: JWTVerifyGetKey | undefined = cfg.JWT_JWKS_URL ? createRemoteJWKSet(new URL(cfg.JWT_JWKS_URL)) : undefined;
  const secret = cfg.JWT_SECRET ? new TextEncoder().encode(cfg.JWT_SECRET) : undefined;
  const options = {
    issuer: cfg.JWT_ISSUER,
    audience: cfg.JWT_AUDIENCE,
    clockTolerance: 5,
    // A token without exp would never expire.
    requiredClaims: ['exp'],
  };
  const maxLifetime = cfg.JWT_MAX_TOKEN_LIFETIME;

  return async (authorization) => {
    if (!authorization) return null;
    const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)$/.exec(authorization.trim());
    if (!match) throw new AuthError('Authorization must be "Bearer <JWT>".');
    try {
      const { payload } = jwks
        ? await jwtVerify(match[1], jwks, { ...options, algorithms: ['RS256', 'ES256', 'PS256', 'EdDSA'] })
        : await jwtVerify(match[1], secret!, { ...options, algorithms: ['HS256'] });
      if (typeof payload.sub !== 'string' || payload.sub.length === 0 || payload.sub.length > 128) {
        throw new AuthError('The token has no valid subject.');
      }
      // A long-lived token is a stolen-forever token: refuse what lives longer than the limit,
      // by its own account (iat) or from now (a token without iat, or one issued in the future).
      const exp = payload.exp!;
      const now = Math.floor(Date.now() / 1000);
      if (exp - now > maxLifetime || (typeof payload.iat === 'number' && exp - payload.iat > maxLifetime)) {
        throw new AuthError(`The token lives longer than ${maxLifetime} s; ask for a shorter-lived one.`);
      }
      return payload.sub;
    } catch (err) {
      if (err instanceof AuthError) throw err;
      const code = (err as { code?: string }).code;
      if (code === 'ERR_JWT_EXPIRED') throw new AuthError('The token has expired.');
      if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED' && (err as { claim?: string }).claim === 'exp') throw new AuthError('The token has no expiry (exp).');
      throw new AuthError('The token is invalid.');
    }
  };
}

/**
 * The step: a request with `Authorization` is a user's, or refused with 401 (a bad token is never
 * downgraded to anonymous); failures count against the IP's budget (auth-failures.ts).
 */
export function userToken(verify: TokenVerifier, guard: CredentialGuard): RequestHandler {
  return async (req, res, next) => {
    const authorization = req.header('authorization');
    if (authorization === undefined) return next();
    try {
      locals(res).userId = await verify(authorization);
    } catch (err) {
      if (!(err instanceof AuthError)) return next(err);
      return guard.refuse(req, res, err.message);
    }
    next();
  };
}
