import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { matchesSecret } from '../http/admin-auth.js';

const claimsSchema = z.object({ site: z.string(), offer: z.string(), variant: z.string().optional(), expires: z.number() }).strict();

export type PreviewClaims = z.infer<typeof claimsSchema>;

const sign = (payload: string, secret: string) => createHmac('sha256', secret).update(`patron-preview.${payload}`).digest('base64url');

/**
 * Makes a preview token that forces one offer (and variant) for whoever presents it until it
 * expires: an HMAC-SHA256 with the site's secret key over the site, offer, variant and expiry.
 */
export function createPreviewToken(claims: PreviewClaims, secret: string): string {
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${payload}.${sign(payload, secret)}`;
}

/** Returns the token's claims, or the reason it cannot be used. */
export function verifyPreviewToken(token: string, siteKey: string, secret: string | undefined, now: number): PreviewClaims | { problem: string } {
  if (!secret) return { problem: `site "${siteKey}" has no secret key, so it cannot verify previews` };
  const [payload, signature, extra] = token.split('.');
  if (!payload || !signature || extra !== undefined || !matchesSecret(signature, sign(payload, secret))) {
    return { problem: 'the preview token is not one this site signed; create one with POST /v1/admin/sites/<site>/offers/<offer>/preview' };
  }
  const claims = claimsSchema.safeParse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
  if (!claims.success || claims.data.site !== siteKey) return { problem: `the preview token is for another site, not "${siteKey}"` };
  if (claims.data.expires <= now) return { problem: `the preview token expired at ${new Date(claims.data.expires).toISOString()}; create a new one` };
  return claims.data;
}
