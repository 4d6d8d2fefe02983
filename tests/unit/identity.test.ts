import { SignJWT } from 'jose';
import { signCaller, verifyCaller, InvalidCallerError } from '../../platform/identity';

const secret = 'a'.repeat(64);

describe('gateway identity signature', () => {
  it('round-trips the caller', async () => {
    const token = await signCaller(secret, { userId: 'u1', partnerId: null, requestId: 'r1' });
    await expect(verifyCaller(secret, token)).resolves.toEqual({ userId: 'u1', partnerId: null, requestId: 'r1' });
  });

  it('refuses a missing, foreign, expired or unsigned token', async () => {
    await expect(verifyCaller(secret, undefined)).rejects.toBeInstanceOf(InvalidCallerError);
    const foreign = await signCaller('b'.repeat(64), { userId: 'u1', partnerId: null, requestId: null });
    await expect(verifyCaller(secret, foreign)).rejects.toBeInstanceOf(InvalidCallerError);
    const expired = await new SignJWT({ uid: 'u1' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('marquee-gateway')
      .setAudience('marquee-subgraph')
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(new TextEncoder().encode(secret));
    await expect(verifyCaller(secret, expired)).rejects.toBeInstanceOf(InvalidCallerError);
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"uid":"admin","iss":"marquee-gateway","aud":"marquee-subgraph"}').toString('base64url')}.`;
    await expect(verifyCaller(secret, none)).rejects.toBeInstanceOf(InvalidCallerError);
  });
});
