import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { z } from 'zod';
import { ConfigError } from '../../platform/config';
import type { CredentialGuard } from './auth-failures';
import { locals } from './locals';

/**
 * Partner API keys (`x-api-key`). Only SHA-256 hashes are configured (PARTNER_KEYS, injected
 * from Secrets Manager in AWS), and a presented key is compared with every stored hash in
 * constant time, so neither the config nor timing reveals a key.
 */
export const RATE_TIERS = ['standard', 'premium', 'internal'] as const;
export type RateTier = (typeof RATE_TIERS)[number];

/** What a partner key may do beyond reading: `provider` uploads watch-option feeds (docs/availability.md). */
export const PARTNER_ROLES = ['provider'] as const;
export type PartnerRole = (typeof PARTNER_ROLES)[number];

export interface Partner {
  id: string;
  tier: RateTier;
  roles: PartnerRole[];
}

const entry = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'partner id: lowercase letters, digits and dashes'),
  tier: z.enum(RATE_TIERS),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'sha256 must be 64 hex characters'),
  roles: z.array(z.enum(PARTNER_ROLES)).max(PARTNER_ROLES.length).default([]),
});

export function parsePartnerKeys(raw: string | undefined): { partner: Partner; hash: Buffer }[] {
  if (!raw) return [];
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new ConfigError('PARTNER_KEYS must be a JSON array of {"id","tier","sha256","roles"?}');
  }
  const parsed = z.array(entry).safeParse(json);
  if (!parsed.success) throw new ConfigError(`PARTNER_KEYS: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data.map((p) => ({ partner: { id: p.id, tier: p.tier, roles: [...new Set(p.roles)] }, hash: Buffer.from(p.sha256, 'hex') }));
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function createPartnerLookup(raw: string | undefined): (apiKey: string) => Partner | null {
  const partners = parsePartnerKeys(raw);
  return (apiKey) => {
    const presented = createHash('sha256').update(apiKey, 'utf8').digest();
    let found: Partner | null = null;
    // No early exit: every key costs the same comparisons.
    for (const p of partners) if (timingSafeEqual(presented, p.hash)) found = p.partner;
    return found;
  };
}

/** The step: a request with `x-api-key` is that partner's, or refused with 401 (counted as a failed authentication). */
export function partnerKey(findPartner: (apiKey: string) => Partner | null, guard: CredentialGuard): RequestHandler {
  return async (req, res, next) => {
    const apiKey = req.header('x-api-key');
    if (apiKey === undefined) return next();
    const partner = findPartner(apiKey);
    if (!partner) return guard.refuse(req, res, 'Unknown API key.');
    locals(res).partner = partner;
    next();
  };
}
