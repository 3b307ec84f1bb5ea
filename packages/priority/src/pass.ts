import { createHmac, timingSafeEqual } from 'node:crypto';
import { isTier, lowestTier, type Tier } from './tiers.js';

/** What a pass states: a visitor of a site, their tier, and when the pass stops being valid. */
export interface PassClaims {
  site: string;
  visitor: string;
  tier: Tier;
  /** Expiry, in Unix seconds. */
  expires: number;
}

const VERSION = 'p1';
const sign = (payload: string, secret: string) => createHmac('sha256', secret).update(payload).digest('base64url');

/**
 * Makes a pass: `p1.<site>.<visitor>.<tier>.<expires>.<signature>`, where the signature is an
 * HMAC-SHA256 with the site's secret key over everything before it. Site keys, visitor ids and
 * tier names contain no dots, so the fields split unambiguously.
 */
export function createPass(claims: PassClaims, secret: string): string {
  const payload = [VERSION, claims.site, claims.visitor, claims.tier, String(claims.expires)].join('.');
  return `${payload}.${sign(payload, secret)}`;
}

export type PassCheck = { valid: true; claims: PassClaims } | { valid: false; reason: string };

/**
 * Checks a pass without any database: the signature with the site's secret key (compared in
 * constant time), the site, and the expiry. `secretOf` returns the secret of a site key, or
 * undefined for a site it does not know.
 */
export function verifyPass(pass: string | undefined | null, secretOf: (site: string) => string | undefined, now = Date.now()): PassCheck {
  if (!pass) return { valid: false, reason: 'no pass' };
  const parts = pass.split('.');
  if (parts.length !== 6 || parts[0] !== VERSION) return { valid: false, reason: 'not a pass' };
  const [, site, visitor, tier, expires, signature] = parts as [string, string, string, string, string, string];
  const secret = secretOf(site);
  if (!secret) return { valid: false, reason: `unknown site "${site}"` };
  const expected = Buffer.from(sign(parts.slice(0, 5).join('.'), secret));
  const presented = Buffer.from(signature);
  if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) return { valid: false, reason: 'wrong signature' };
  if (!isTier(tier)) return { valid: false, reason: `unknown tier "${tier}"` };
  if (!/^\d+$/.test(expires) || Number(expires) * 1000 <= now) return { valid: false, reason: 'expired' };
  return { valid: true, claims: { site, visitor, tier, expires: Number(expires) } };
}

/** The tier a pass grants, or the lowest tier when the pass is missing, forged or expired. */
export function tierOfPass(pass: string | undefined | null, secretOf: (site: string) => string | undefined, now = Date.now()): Tier {
  const check = verifyPass(pass, secretOf, now);
  return check.valid ? check.claims.tier : lowestTier;
}
