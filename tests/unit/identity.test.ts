import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import {
  signCaller,
  verifyCaller,
  InvalidCallerError,
  createCallerSigner,
  createCallerVerifier,
  callerKey,
  generateGatewayKeys,
  gatewayKeyProblem,
  hasRole,
} from '../../platform/identity';

// The gateway signs with the private key; subgraphs verify with the public key only.
const { signingKey: secret, publicKey } = generateGatewayKeys();
const privateKey = createPrivateKey(secret);

describe('gateway identity signature', () => {
  it('round-trips the caller', async () => {
    const token = await signCaller(secret, { userId: 'u1', partnerId: 'p1' }, 'ratings');
    await expect(verifyCaller(publicKey, token, 'ratings')).resolves.toEqual({ userId: 'u1', partnerId: 'p1' });
  });

  it("carries a partner's roles, and a caller with other roles (or none) signs to a different token", async () => {
    const sign = createCallerSigner(secret);
    const provider = await sign({ userId: null, partnerId: 'p1', roles: ['provider'] }, 'availability');
    const plain = await sign({ userId: null, partnerId: 'p1' }, 'availability');
    expect(plain).not.toBe(provider);
    const who = await verifyCaller(publicKey, provider, 'availability');
    expect(who).toEqual({ userId: null, partnerId: 'p1', roles: ['provider'] });
    expect(hasRole(who, 'provider')).toBe(true);
    expect(hasRole(await verifyCaller(publicKey, plain, 'availability'), 'provider')).toBe(false);
    // A role without a partner is no role (a user token never carries one).
    expect(hasRole({ userId: 'u1', partnerId: null, roles: ['provider'] }, 'provider')).toBe(false);
  });

  it("carries an anonymous caller's IP, which gives it a budget share of its own", async () => {
    const sign = createCallerSigner(secret);
    const one = await sign({ userId: null, partnerId: null, clientIp: '203.0.113.1' }, 'movies');
    const two = await sign({ userId: null, partnerId: null, clientIp: '203.0.113.2' }, 'movies');
    expect(two).not.toBe(one);
    const who = await verifyCaller(publicKey, one, 'movies');
    expect(who).toEqual({ userId: null, partnerId: null, clientIp: '203.0.113.1' });
    expect(callerKey(who)).toBe('ip:203.0.113.1');
    expect(callerKey(await verifyCaller(publicKey, two, 'movies'))).toBe('ip:203.0.113.2');
    expect(callerKey({ userId: 'u1', partnerId: null })).toBe('user:u1');
    expect(callerKey({ userId: 'u1', partnerId: 'p1' })).toBe('partner:p1');
    expect(callerKey({ userId: null, partnerId: null })).toBe('anonymous');
  });

  it('is for one subgraph: a token for ratings is refused by notifications and movies', async () => {
    const token = await signCaller(secret, { userId: 'u1', partnerId: null }, 'ratings');
    await expect(verifyCaller(publicKey, token, 'notifications')).rejects.toThrow(/invalid gateway signature \(ERR_JWT_CLAIM_VALIDATION_FAILED\)/);
    await expect(createCallerVerifier(publicKey, 'movies')(token)).rejects.toBeInstanceOf(InvalidCallerError);
    const sign = createCallerSigner(secret);
    const forRatings = await sign({ userId: 'u1', partnerId: null }, 'ratings');
    const forNotifications = await sign({ userId: 'u1', partnerId: null }, 'notifications');
    expect(forNotifications).not.toBe(forRatings);
    await expect(verifyCaller(publicKey, forNotifications, 'notifications')).resolves.toEqual({ userId: 'u1', partnerId: null });
    await expect(verifyCaller(publicKey, forRatings, 'notifications')).rejects.toBeInstanceOf(InvalidCallerError);
  });

  it('refuses a missing, foreign, expired, expiry-less or unsigned token', async () => {
    await expect(verifyCaller(publicKey, undefined, 'ratings')).rejects.toBeInstanceOf(InvalidCallerError);
    const foreign = await signCaller(generateGatewayKeys().signingKey, { userId: 'u1', partnerId: null }, 'ratings');
    await expect(verifyCaller(publicKey, foreign, 'ratings')).rejects.toBeInstanceOf(InvalidCallerError);
    const claims = () => new SignJWT({ uid: 'u1' }).setProtectedHeader({ alg: 'ES256' }).setIssuer('marquee-gateway').setAudience('ratings');
    const expired = await claims()
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(privateKey);
    await expect(verifyCaller(publicKey, expired, 'ratings')).rejects.toBeInstanceOf(InvalidCallerError);
    const forever = await claims().sign(privateKey);
    await expect(verifyCaller(publicKey, forever, 'ratings')).rejects.toBeInstanceOf(InvalidCallerError);
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"uid":"admin","iss":"marquee-gateway","aud":"ratings"}').toString('base64url')}.`;
    await expect(verifyCaller(publicKey, none, 'ratings')).rejects.toBeInstanceOf(InvalidCallerError);
  });

  it('cannot be minted with what a subgraph holds: the public key signs nothing, as a key or as an HMAC secret', async () => {
    await expect(signCaller(publicKey, { userId: 'u1', partnerId: null }, 'ratings')).rejects.toThrow();
    const hmac = await new SignJWT({ uid: 'u1' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('marquee-gateway')
      .setAudience('ratings')
      .setExpirationTime('1m')
      .sign(new TextEncoder().encode(publicKey));
    await expect(verifyCaller(publicKey, hmac, 'ratings')).rejects.toThrow(/invalid gateway signature/);
    // The configuration refuses the private key where only the public one belongs, and other key types.
    expect(gatewayKeyProblem(secret, 'public')).toMatch(/private key/);
    expect(gatewayKeyProblem(publicKey, 'public')).toBeNull();
    expect(gatewayKeyProblem(secret, 'private')).toBeNull();
    expect(gatewayKeyProblem(publicKey, 'private')).toMatch(/PKCS8/);
    expect(gatewayKeyProblem('s'.repeat(64), 'private')).toMatch(/PKCS8/);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(gatewayKeyProblem(rsa, 'private')).toMatch(/P-256|Ed25519/);
  });

  it('takes Ed25519 keys as JWKs, and PEM with escaped newlines', async () => {
    const ed = generateKeyPairSync('ed25519');
    const privateJwk = JSON.stringify(ed.privateKey.export({ format: 'jwk' }));
    const publicJwk = JSON.stringify(ed.publicKey.export({ format: 'jwk' }));
    const token = await signCaller(privateJwk, { userId: 'u1', partnerId: null }, 'movies');
    expect(JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString())).toMatchObject({ alg: 'EdDSA' });
    await expect(verifyCaller(publicJwk, token, 'movies')).resolves.toEqual({ userId: 'u1', partnerId: null });
    const escaped = publicKey.replace(/\n/g, '\\n');
    await expect(verifyCaller(escaped, await signCaller(secret, { userId: 'u2', partnerId: null }, 'movies'), 'movies')).resolves.toEqual({
      userId: 'u2',
      partnerId: null,
    });
    await expect(verifyCaller(publicKey, token, 'movies')).rejects.toBeInstanceOf(InvalidCallerError);
  });

  it('signs once per caller for half the token life', async () => {
    const expiry = (t: string) => (JSON.parse(Buffer.from(t.split('.')[1], 'base64url').toString()) as { exp: number }).exp;
    jest.useFakeTimers({ now: Date.now(), doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    try {
      const sign = createCallerSigner(secret);
      const a1 = await sign({ userId: 'a', partnerId: null }, 'ratings');
      jest.setSystemTime(Date.now() + 29_000);
      expect(await sign({ userId: 'a', partnerId: null }, 'ratings')).toBe(a1);
      expect(await sign({ userId: 'b', partnerId: null }, 'ratings')).not.toBe(a1);
      expect(await sign({ userId: 'a', partnerId: 'p' }, 'ratings')).not.toBe(a1);
      jest.setSystemTime(Date.now() + 1_000);
      const a2 = await sign({ userId: 'a', partnerId: null }, 'ratings');
      expect(expiry(a2)).toBe(expiry(a1) + 30);
      await expect(verifyCaller(publicKey, a2, 'ratings')).resolves.toEqual({ userId: 'a', partnerId: null });
    } finally {
      jest.useRealTimers();
    }
  });

  it('remembers verified tokens until they expire, and never a refusal', async () => {
    const verify = createCallerVerifier(publicKey, 'ratings');
    const token = await signCaller(secret, { userId: 'u1', partnerId: null }, 'ratings');
    await expect(verify(token)).resolves.toEqual({ userId: 'u1', partnerId: null });
    await expect(verify(token)).resolves.toEqual({ userId: 'u1', partnerId: null });
    const tampered = token.slice(0, -2) + (token.endsWith('A') ? 'BB' : 'AA');
    await expect(verify(tampered)).rejects.toBeInstanceOf(InvalidCallerError);
    await expect(verify(tampered)).rejects.toBeInstanceOf(InvalidCallerError);

    // A token about to expire is accepted, then refused once it has: the remembered answer dies with it.
    const exp = Math.floor(Date.now() / 1000) + 1;
    const short = await new SignJWT({ uid: 'u2' })
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer('marquee-gateway')
      .setAudience('ratings')
      .setExpirationTime(exp)
      .sign(privateKey);
    await expect(verify(short)).resolves.toEqual({ userId: 'u2', partnerId: null });
    await new Promise((r) => setTimeout(r, exp * 1000 - Date.now() + 50));
    await expect(verify(short)).rejects.toBeInstanceOf(InvalidCallerError);
  });
});
