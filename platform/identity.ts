import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { LRUCache } from 'lru-cache';

/**
 * The gateway is the only door. It tells a subgraph who is calling with a short-lived HS256 JWT
 * signed with GATEWAY_SECRET in this header; a subgraph refuses every request without a valid one,
 * so `_entities`, `_service` and viewer fields cannot be reached around the gateway. Each token
 * is for one subgraph (`aud` is its name) and only that subgraph accepts it, so a token one
 * subgraph has seen (in a log, a dump) opens no other.
 */
export const INTERNAL_IDENTITY_HEADER = 'x-marquee-gateway-identity';

const ISSUER = 'marquee-gateway';
/** Every subgraph's name, for callers that stand in for the gateway towards any of them (tests, benchmark peers). */
export const SUBGRAPH_AUDIENCES = ['movies', 'ratings', 'notifications'] as const;
const TTL_SECONDS = 60;
/** A signed identity is reused for this long, so every one sent has at least 30 s left. */
const REUSE_MS = (TTL_SECONDS / 2) * 1000;
const MAX_CACHED = 10_000;

/** Who is calling: what the signature vouches for. */
export interface Identity {
  /** The signed-in user, or null for anonymous callers. */
  userId: string | null;
  /** The partner whose API key was presented, if any. */
  partnerId: string | null;
}

/** What a request id may look like (the gateway's UUIDs, or a client's own that fits). */
export const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

export interface Caller extends Identity {
  /** The gateway's request id (x-request-id), so subgraph logs join the gateway's. Not signed: it only labels logs. */
  requestId: string | null;
}

function key(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

/** `audience`: the subgraph the token is for (the gateway always names one). */
export async function signCaller(secret: string, who: Identity, audience: string | readonly string[]): Promise<string> {
  return new SignJWT({ uid: who.userId, pid: who.partnerId })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(ISSUER)
    .setAudience(typeof audience === 'string' ? audience : [...audience])
    .setIssuedAt()
    .setExpirationTime(`${TTL_SECONDS}s`)
    .sign(key(secret));
}

/**
 * signCaller with one signature per caller for half its life: the identity carries no
 * per-request data, so a user's requests within 30 s can share it (an HMAC per request saved).
 */
export function createCallerSigner(secret: string): (who: Identity, audience: string | readonly string[]) => Promise<string> {
  const cache = new LRUCache<string, { token: Promise<string>; signedAt: number }>({ max: MAX_CACHED });
  return (who, audience) => {
    const k = `${who.userId ?? ''}\n${who.partnerId ?? ''}\n${typeof audience === 'string' ? audience : audience.join(',')}`;
    const hit = cache.get(k);
    if (hit && Date.now() - hit.signedAt < REUSE_MS) return hit.token;
    const token = signCaller(secret, who, audience);
    cache.set(k, { token, signedAt: Date.now() });
    token.catch(() => cache.delete(k));
    return token;
  };
}

export class InvalidCallerError extends Error {
  override name = 'InvalidCallerError';
}

/** `audience`: this subgraph's name; a token for another subgraph is refused. */
export async function verifyCaller(secret: string, token: string | undefined, audience: string): Promise<Identity> {
  return (await verifyWithExpiry(key(secret), token, audience)).who;
}

async function verifyWithExpiry(secret: Uint8Array, token: string | undefined, audience: string): Promise<{ who: Identity; expiresAtMs: number }> {
  if (!token) throw new InvalidCallerError('missing gateway signature');
  try {
    const { payload } = await jwtVerify(token, secret, {
      issuer: ISSUER,
      audience,
      algorithms: ['HS256'],
      requiredClaims: ['exp'],
    });
    const str = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : null);
    return { who: { userId: str(payload.uid), partnerId: str(payload.pid) }, expiresAtMs: payload.exp! * 1000 };
  } catch (err) {
    if (err instanceof joseErrors.JOSEError) throw new InvalidCallerError(`invalid gateway signature (${err.code})`);
    throw err;
  }
}

/**
 * verifyCaller that remembers verified tokens until they expire: the gateway sends the same
 * token for a caller's requests for 30 s, so most requests skip the HMAC. Failures are never
 * remembered (a forged token costs a verification every time, as before).
 */
export function createCallerVerifier(secret: string, audience: string): (token: string | undefined) => Promise<Identity> {
  const k = key(secret);
  const verified = new LRUCache<string, { who: Identity; expiresAtMs: number }>({ max: MAX_CACHED });
  return async (token) => {
    const hit = token ? verified.get(token) : undefined;
    if (hit && hit.expiresAtMs > Date.now()) return hit.who;
    const fresh = await verifyWithExpiry(k, token, audience);
    verified.set(token!, fresh);
    return fresh.who;
  };
}
