import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { LRUCache } from 'lru-cache';

/**
 * The gateway is the only door. It tells a subgraph who is calling with a short-lived JWT in this
 * header, signed with the gateway's private key (GATEWAY_SIGNING_KEY, ES256 or EdDSA); a subgraph
 * holds only the public key (GATEWAY_PUBLIC_KEY) and refuses every request without a valid token,
 * so `_entities`, `_service` and viewer fields cannot be reached around the gateway, and a
 * compromised subgraph task can verify identities but mint none. Each token is for one subgraph
 * (`aud` is its name) and only that subgraph accepts it, so a token one subgraph has seen (in a
 * log, a dump) opens no other.
 */
export const INTERNAL_IDENTITY_HEADER = 'x-marquee-gateway-identity';

const ISSUER = 'marquee-gateway';
/** Every subgraph's name, for callers that stand in for the gateway towards any of them (tests, benchmark peers). */
export const SUBGRAPH_AUDIENCES = ['movies', 'ratings', 'notifications', 'availability'] as const;
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
  /**
   * The client IP the gateway saw, for anonymous callers only (signed-in callers are told apart
   * by their ids, and their identities stay shareable between their requests): it gives each
   * anonymous client its own share of upstream budgets (callerKey).
   */
  clientIp?: string | null;
  /** The partner's roles (PARTNER_KEYS), e.g. `provider`; absent when none. */
  roles?: readonly string[];
}

/** Whether the caller is a partner with `role`. */
export function hasRole(who: Identity, role: string): boolean {
  return who.partnerId !== null && (who.roles ?? []).includes(role);
}

/** Longest client IP carried (an IPv6 address with a zone fits); longer is cut, not refused. */
const MAX_IP_LENGTH = 64;

/**
 * Whose share of a shared upstream budget (TMDB's) a request draws from: the partner, else the
 * user, else the anonymous client's IP; anonymous callers without one share a single key.
 */
export function callerKey(who: Identity): string {
  if (who.partnerId) return `partner:${who.partnerId}`;
  if (who.userId) return `user:${who.userId}`;
  return who.clientIp ? `ip:${who.clientIp}` : 'anonymous';
}

/** What a request id may look like (the gateway's UUIDs, or a client's own that fits). */
export const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

export interface Caller extends Identity {
  /** The gateway's request id (x-request-id), so subgraph logs join the gateway's. Not signed: it only labels logs. */
  requestId: string | null;
}

type Alg = 'ES256' | 'EdDSA';

/**
 * A gateway key as configured: PEM (PKCS8 private / SPKI public; `\n` escapes accepted, as env
 * files often have them) or a JWK as JSON. Only P-256 (ES256) and Ed25519 (EdDSA) keys.
 */
function parseKey(text: string, kind: 'private' | 'public'): { key: KeyObject; alg: Alg } {
  const raw = text.trim();
  const input = raw.startsWith('{') ? { key: JSON.parse(raw) as object, format: 'jwk' as const } : raw.replace(/\\n/g, '\n');
  const key =
    kind === 'private' ? createPrivateKey(input as Parameters<typeof createPrivateKey>[0]) : createPublicKey(input as Parameters<typeof createPublicKey>[0]);
  if (key.asymmetricKeyType === 'ed25519') return { key, alg: 'EdDSA' };
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return { key, alg: 'ES256' };
  throw new Error('must be a P-256 (ES256) or Ed25519 (EdDSA) key');
}

// Keys are parsed once: a process has one or two (tests a few more).
const parsed = new LRUCache<string, { key: KeyObject; alg: Alg }>({ max: 64 });
function memo(text: string, kind: 'private' | 'public'): { key: KeyObject; alg: Alg } {
  const k = `${kind}\n${text}`;
  let hit = parsed.get(k);
  if (!hit) parsed.set(k, (hit = parseKey(text, kind)));
  return hit;
}

/** Why `text` cannot be GATEWAY_SIGNING_KEY (`private`) or GATEWAY_PUBLIC_KEY (`public`), or null when it can. */
export function gatewayKeyProblem(text: string, kind: 'private' | 'public'): string | null {
  try {
    if (kind === 'public' && isPrivate(text)) return "is a private key: subgraphs get only the public key (the private one is the gateway's)";
    parseKey(text, kind);
    return null;
  } catch (err) {
    return err instanceof Error && err.message.startsWith('must be')
      ? err.message
      : `must be a ${kind === 'private' ? 'PKCS8' : 'SPKI'} PEM or a JWK of a P-256 or Ed25519 key`;
  }
}

function isPrivate(text: string): boolean {
  try {
    parseKey(text, 'private');
    return true;
  } catch {
    return false;
  }
}

/** A fresh ES256 key pair as PEM (local mode and tests): the gateway's private key and the subgraphs' public key. */
export function generateGatewayKeys(): { signingKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    signingKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** The public key of a gateway key: itself when it is public, derived when it is the private one (tests hand one key to both sides). */
export function publicKeyOf(text: string): string {
  return createPublicKey(memo(text, isPrivate(text) ? 'private' : 'public').key)
    .export({ type: 'spki', format: 'pem' })
    .toString();
}

/** `signingKey`: GATEWAY_SIGNING_KEY's text; `audience`: the subgraph the token is for (the gateway always names one). */
export async function signCaller(signingKey: string, who: Identity, audience: string | readonly string[]): Promise<string> {
  const { key, alg } = memo(signingKey, 'private');
  const ip = who.clientIp ? { ip: who.clientIp.slice(0, MAX_IP_LENGTH) } : {};
  const roles = who.roles?.length ? { rol: [...who.roles] } : {};
  return new SignJWT({ uid: who.userId, pid: who.partnerId, ...ip, ...roles })
    .setProtectedHeader({ alg })
    .setIssuer(ISSUER)
    .setAudience(typeof audience === 'string' ? audience : [...audience])
    .setIssuedAt()
    .setExpirationTime(`${TTL_SECONDS}s`)
    .sign(key);
}

/**
 * signCaller with one signature per caller for half its life: the identity carries no
 * per-request data, so a user's requests within 30 s can share it (a signature per request saved).
 */
export function createCallerSigner(signingKey: string): (who: Identity, audience: string | readonly string[]) => Promise<string> {
  const cache = new LRUCache<string, { token: Promise<string>; signedAt: number }>({ max: MAX_CACHED });
  return (who, audience) => {
    const k = `${who.userId ?? ''}\n${who.partnerId ?? ''}\n${who.clientIp ?? ''}\n${(who.roles ?? []).join(',')}\n${typeof audience === 'string' ? audience : audience.join(',')}`;
    const hit = cache.get(k);
    if (hit && Date.now() - hit.signedAt < REUSE_MS) return hit.token;
    const token = signCaller(signingKey, who, audience);
    cache.set(k, { token, signedAt: Date.now() });
    token.catch(() => cache.delete(k));
    return token;
  };
}

export class InvalidCallerError extends Error {
  override name = 'InvalidCallerError';
}

/**
 * `publicKey`: GATEWAY_PUBLIC_KEY's text (a private key is accepted too, and only its public half
 * used: tests give one key to both sides). `audience`: this subgraph's name; a token for another
 * subgraph is refused.
 */
export async function verifyCaller(publicKey: string, token: string | undefined, audience: string): Promise<Identity> {
  return (await verifyWithExpiry(verificationKey(publicKey), token, audience)).who;
}

function verificationKey(text: string): { key: KeyObject; alg: Alg } {
  const k = `verify\n${text}`;
  let hit = parsed.get(k);
  if (!hit) {
    const { key, alg } = memo(text, isPrivate(text) ? 'private' : 'public');
    parsed.set(k, (hit = { key: key.type === 'private' ? createPublicKey(key) : key, alg }));
  }
  return hit;
}

async function verifyWithExpiry(
  publicKey: { key: KeyObject; alg: Alg },
  token: string | undefined,
  audience: string,
): Promise<{ who: Identity; expiresAtMs: number }> {
  if (!token) throw new InvalidCallerError('missing gateway signature');
  try {
    // Only the key's own algorithm: an HS256 token "signed" with the public key's text is refused.
    const { payload } = await jwtVerify(token, publicKey.key, {
      issuer: ISSUER,
      audience,
      algorithms: [publicKey.alg],
      requiredClaims: ['exp'],
    });
    const str = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : null);
    const ip = str(payload.ip);
    const roles = Array.isArray(payload.rol) ? payload.rol.filter((r): r is string => typeof r === 'string') : [];
    const who = { userId: str(payload.uid), partnerId: str(payload.pid), ...(ip ? { clientIp: ip } : {}), ...(roles.length ? { roles } : {}) };
    return { who, expiresAtMs: payload.exp! * 1000 };
  } catch (err) {
    if (err instanceof joseErrors.JOSEError) throw new InvalidCallerError(`invalid gateway signature (${err.code})`);
    throw err;
  }
}

/**
 * verifyCaller that remembers verified tokens until they expire: the gateway sends the same
 * token for a caller's requests for 30 s, so most requests skip the signature check. Failures are
 * never remembered (a forged token costs a verification every time, as before).
 */
export function createCallerVerifier(publicKey: string, audience: string): (token: string | undefined) => Promise<Identity> {
  const k = verificationKey(publicKey);
  const verified = new LRUCache<string, { who: Identity; expiresAtMs: number }>({ max: MAX_CACHED });
  return async (token) => {
    const hit = token ? verified.get(token) : undefined;
    if (hit && hit.expiresAtMs > Date.now()) return hit.who;
    const fresh = await verifyWithExpiry(k, token, audience);
    verified.set(token!, fresh);
    return fresh.who;
  };
}
