import { createHmac, timingSafeEqual } from 'node:crypto';
import { userInputError } from './errors';

/**
 * Opaque pagination cursors: base64url JSON of a DynamoDB key plus what it was made for, and an
 * HMAC so a client cannot forge a key into someone else's partition. Anything that does not
 * verify is a BAD_USER_INPUT on `after`, never a 500.
 */
export interface CursorScope {
  /** What the cursor pages through, e.g. `reviews:550:NEWEST`; a cursor only works there. */
  scope: string;
}

/**
 * The cursor key: CURSOR_SECRET (required in production; `npm start` generates one), or for a
 * subgraph started without it (tests) one derived from the gateway key it was given, never equal
 * to it.
 */
export function cursorKey(cursorSecret: string | undefined, gatewayKey: string): string {
  return cursorSecret ?? createHmac('sha256', gatewayKey).update('marquee pagination cursors').digest('hex');
}

function mac(secret: string, body: string): string {
  return createHmac('sha256', secret).update(body).digest('base64url').slice(0, 22);
}

export function encodeCursor(secret: string, scope: string, key: Record<string, string>): string {
  const body = Buffer.from(JSON.stringify({ s: scope, k: key })).toString('base64url');
  return `${body}.${mac(secret, body)}`;
}

export function decodeCursor(secret: string, scope: string, cursor: string, field = 'after'): Record<string, string> {
  const bad = () => userInputError(`${field} is not a valid cursor for this list.`, field);
  if (cursor.length > 1024) throw bad();
  const [body, sig, extra] = cursor.split('.');
  if (!body || !sig || extra !== undefined) throw bad();
  const expected = Buffer.from(mac(secret, body));
  const given = Buffer.from(sig);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw bad();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  const p = parsed as { s?: unknown; k?: unknown };
  if (p.s !== scope || typeof p.k !== 'object' || p.k === null) throw bad();
  const key = p.k as Record<string, unknown>;
  if (!Object.values(key).every((v) => typeof v === 'string')) throw bad();
  return key as Record<string, string>;
}

export function checkFirst(first: number, max = 100): number {
  if (!Number.isInteger(first) || first < 1 || first > max) throw userInputError(`first must be from 1 to ${max}.`, 'first');
  return first;
}
