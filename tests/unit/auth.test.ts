import { generateGatewayKeys } from '../../platform/identity';
import { SignJWT } from 'jose';
import { AuthError, createTokenVerifier } from '../../gateway/pipeline/authentication';
import { loadGatewayConfig } from '../../gateway/config';
import { makeToken } from '../../scripts/token';

const SECRET = 'u'.repeat(40);
const key = new TextEncoder().encode(SECRET);
const cfg = loadGatewayConfig({ JWT_SECRET: SECRET });
const verify = createTokenVerifier(cfg);
const now = () => Math.floor(Date.now() / 1000);
const sign = (claims: { iat?: number; exp?: number }) => {
  const jwt = new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('alice');
  if (claims.iat !== undefined) jwt.setIssuedAt(claims.iat);
  if (claims.exp !== undefined) jwt.setExpirationTime(claims.exp);
  return jwt.sign(key);
};

describe('user tokens', () => {
  it('refuses a token without exp', async () => {
    await expect(verify(`Bearer ${await sign({ iat: now() })}`)).rejects.toThrow(new AuthError('The token has no expiry (exp).'));
  });

  it('refuses a token that lives longer than JWT_MAX_TOKEN_LIFETIME, by iat or from now', async () => {
    expect(cfg.JWT_MAX_TOKEN_LIFETIME).toBe(24 * 3600);
    await expect(verify(`Bearer ${await sign({ iat: now(), exp: now() + 25 * 3600 })}`)).rejects.toThrow(/lives longer/);
    await expect(verify(`Bearer ${await sign({ iat: now() - 3 * 3600, exp: now() + 23 * 3600 })}`)).rejects.toThrow(/lives longer/);
    await expect(verify(`Bearer ${await sign({ exp: now() + 25 * 3600 })}`)).rejects.toThrow(/lives longer/);
    await expect(verify(`Bearer ${await sign({ iat: now(), exp: now() + 23 * 3600 })}`)).resolves.toBe('alice');
    const short = createTokenVerifier(loadGatewayConfig({ JWT_SECRET: SECRET, JWT_MAX_TOKEN_LIFETIME: '90m' }));
    await expect(short(`Bearer ${await sign({ iat: now(), exp: now() + 2 * 3600 })}`)).rejects.toThrow(/lives longer than 5400 s/);
  });

  it('accepts what scripts/token.ts mints', async () => {
    await expect(verify(`Bearer ${await makeToken('bob', SECRET)}`)).resolves.toBe('bob');
  });

  it('refuses HS256 user tokens in production unless explicitly allowed', () => {
    const prod = { NODE_ENV: 'production', GATEWAY_SIGNING_KEY: generateGatewayKeys().signingKey, JWT_SECRET: SECRET };
    expect(() => loadGatewayConfig(prod)).toThrow(/JWT_SECRET \(HS256 user tokens\) is refused when NODE_ENV=production/);
    expect(loadGatewayConfig({ ...prod, JWT_ALLOW_HS256_IN_PRODUCTION: 'true' }).JWT_SECRET).toBe(SECRET);
    expect(() => loadGatewayConfig({ JWT_SECRET: SECRET, JWT_MAX_TOKEN_LIFETIME: 'forever' })).toThrow(/JWT_MAX_TOKEN_LIFETIME: must be a positive duration/);
  });
});
