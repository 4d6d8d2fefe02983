import { SignJWT } from 'jose';
import { signCaller, verifyCaller, InvalidCallerError, createCallerSigner, createCallerVerifier } from '../../platform/identity';

const secret = 'a'.repeat(64);

describe('gateway identity signature', () => {
  it('round-trips the caller', async () => {
    const token = await signCaller(secret, { userId: 'u1', partnerId: 'p1' });
    await expect(verifyCaller(secret, token)).resolves.toEqual({ userId: 'u1', partnerId: 'p1' });
  });

  it('refuses a missing, foreign, expired, expiry-less or unsigned token', async () => {
    await expect(verifyCaller(secret, undefined)).rejects.toBeInstanceOf(InvalidCallerError);
    const foreign = await signCaller('b'.repeat(64), { userId: 'u1', partnerId: null });
    await expect(verifyCaller(secret, foreign)).rejects.toBeInstanceOf(InvalidCallerError);
    const claims = () => new SignJWT({ uid: 'u1' }).setProtectedHeader({ alg: 'HS256' }).setIssuer('marquee-gateway').setAudience('marquee-subgraph');
    const expired = await claims().setExpirationTime(Math.floor(Date.now() / 1000) - 60).sign(new TextEncoder().encode(secret));
    await expect(verifyCaller(secret, expired)).rejects.toBeInstanceOf(InvalidCallerError);
    const forever = await claims().sign(new TextEncoder().encode(secret));
    await expect(verifyCaller(secret, forever)).rejects.toBeInstanceOf(InvalidCallerError);
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"uid":"admin","iss":"marquee-gateway","aud":"marquee-subgraph"}').toString('base64url')}.`;
    await expect(verifyCaller(secret, none)).rejects.toBeInstanceOf(InvalidCallerError);
  });

  it('signs once per caller for half the token life', async () => {
    const expiry = (t: string) => (JSON.parse(Buffer.from(t.split('.')[1], 'base64url').toString()) as { exp: number }).exp;
    jest.useFakeTimers({ now: Date.now(), doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    try {
      const sign = createCallerSigner(secret);
      const a1 = await sign({ userId: 'a', partnerId: null });
      jest.setSystemTime(Date.now() + 29_000);
      expect(await sign({ userId: 'a', partnerId: null })).toBe(a1);
      expect(await sign({ userId: 'b', partnerId: null })).not.toBe(a1);
      expect(await sign({ userId: 'a', partnerId: 'p' })).not.toBe(a1);
      jest.setSystemTime(Date.now() + 1_000);
      const a2 = await sign({ userId: 'a', partnerId: null });
      expect(expiry(a2)).toBe(expiry(a1) + 30);
      await expect(verifyCaller(secret, a2)).resolves.toEqual({ userId: 'a', partnerId: null });
    } finally {
      jest.useRealTimers();
    }
  });

  it('remembers verified tokens until they expire, and never a refusal', async () => {
    const verify = createCallerVerifier(secret);
    const token = await signCaller(secret, { userId: 'u1', partnerId: null });
    await expect(verify(token)).resolves.toEqual({ userId: 'u1', partnerId: null });
    await expect(verify(token)).resolves.toEqual({ userId: 'u1', partnerId: null });
    const tampered = token.slice(0, -2) + (token.endsWith('A') ? 'BB' : 'AA');
    await expect(verify(tampered)).rejects.toBeInstanceOf(InvalidCallerError);
    await expect(verify(tampered)).rejects.toBeInstanceOf(InvalidCallerError);

    // A token about to expire is accepted, then refused once it has: the remembered answer dies with it.
    const exp = Math.floor(Date.now() / 1000) + 1;
    const short = await new SignJWT({ uid: 'u2' }).setProtectedHeader({ alg: 'HS256' }).setIssuer('marquee-gateway').setAudience('marquee-subgraph').setExpirationTime(exp).sign(new TextEncoder().encode(secret));
    await expect(verify(short)).resolves.toEqual({ userId: 'u2', partnerId: null });
    await new Promise((r) => setTimeout(r, exp * 1000 - Date.now() + 50));
    await expect(verify(short)).rejects.toBeInstanceOf(InvalidCallerError);
  });
});
