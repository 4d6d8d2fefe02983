import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';

/**
 * The gateway is the only door. It tells a subgraph who is calling with a short-lived HS256 JWT
 * signed with GATEWAY_SECRET in this header; a subgraph refuses every request without a valid one,
 * so `_entities`, `_service` and viewer fields cannot be reached around the gateway.
 */
export const INTERNAL_IDENTITY_HEADER = 'x-marquee-gateway-identity';

const ISSUER = 'marquee-gateway';
const AUDIENCE = 'marquee-subgraph';
const TTL_SECONDS = 60;

export interface Caller {
  /** The signed-in user, or null for anonymous callers. */
  userId: string | null;
  /** The partner whose API key was presented, if any. */
  partnerId: string | null;
  /** The gateway's request id, so subgraph logs join the gateway's. */
  requestId: string | null;
}

function key(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

export async function signCaller(secret: string, caller: Caller): Promise<string> {
  return new SignJWT({ uid: caller.userId, pid: caller.partnerId, rid: caller.requestId })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${TTL_SECONDS}s`)
    .sign(key(secret));
}

export class InvalidCallerError extends Error {
  override name = 'InvalidCallerError';
}

export async function verifyCaller(secret: string, token: string | undefined): Promise<Caller> {
  if (!token) throw new InvalidCallerError('missing gateway signature');
  try {
    const { payload } = await jwtVerify(token, key(secret), {
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ['HS256'],
    });
    const str = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : null);
    return { userId: str(payload.uid), partnerId: str(payload.pid), requestId: str(payload.rid) };
  } catch (err) {
    if (err instanceof joseErrors.JOSEError) throw new InvalidCallerError(`invalid gateway signature (${err.code})`);
    throw err;
  }
}
