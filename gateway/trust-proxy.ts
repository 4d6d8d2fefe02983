import { isIP } from 'node:net';

/**
 * TRUST_PROXY as Express's `trust proxy` wants it. Express reads a string as a list of
 * addresses, so `'1'` would trust a proxy at address "1" (none) rather than one hop: behind the
 * ALB every caller would then look like the ALB. Here a count becomes a number, `true`/`false`
 * booleans, and anything else must be a list Express understands, or start-up fails.
 */
export type TrustProxy = number | boolean | string[];

const NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** The Express value for a TRUST_PROXY string, or an error message. */
export function parseTrustProxy(raw: string): { ok: true; value: TrustProxy } | { ok: false; error: string } {
  const v = raw.trim();
  if (/^\d+$/.test(v)) {
    const hops = Number(v);
    return hops <= 64 ? { ok: true, value: hops } : { ok: false, error: 'a hop count must be from 0 to 64' };
  }
  if (v === 'true') return { ok: true, value: true };
  if (v === 'false') return { ok: true, value: false };
  const entries = v.split(',').map((e) => e.trim());
  const bad = entries.filter((e) => !validEntry(e));
  if (bad.length)
    return {
      ok: false,
      error: `not a hop count, true/false, or a list of addresses, CIDRs and loopback/linklocal/uniquelocal: ${bad.map((b) => JSON.stringify(b)).join(', ')}`,
    };
  return { ok: true, value: entries };
}

function validEntry(e: string): boolean {
  if (NAMES.has(e)) return true;
  const [addr, bits, extra] = e.split('/');
  if (extra !== undefined || !addr) return false;
  const family = isIP(addr);
  if (!family) return false;
  if (bits === undefined) return true;
  if (!/^\d+$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}
