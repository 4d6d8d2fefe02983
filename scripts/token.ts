/**
 * Prints a signed user token for local mode: `npm run token -- <userId> [ttl]`.
 * Uses JWT_SECRET when set, otherwise local mode's development secret.
 */
import { SignJWT } from 'jose';
import { LOCAL_JWT_SECRET } from '../local/defaults';

export async function makeToken(userId: string, secret = process.env.JWT_SECRET || LOCAL_JWT_SECRET, ttl = '12h'): Promise<string> {
  const jwt = new SignJWT({}).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setSubject(userId).setIssuedAt().setExpirationTime(ttl);
  if (process.env.JWT_ISSUER) jwt.setIssuer(process.env.JWT_ISSUER);
  if (process.env.JWT_AUDIENCE) jwt.setAudience(process.env.JWT_AUDIENCE);
  return jwt.sign(new TextEncoder().encode(secret));
}

if (require.main === module) {
  const [userId, ttl] = process.argv.slice(2);
  if (!userId || !/^[A-Za-z0-9_.@-]{1,128}$/.test(userId)) {
    console.error('usage: npm run token -- <userId> [ttl, e.g. 12h]');
    process.exit(2);
  }
  void makeToken(userId, undefined, ttl).then((t) => console.log(t));
}
