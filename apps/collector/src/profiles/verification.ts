import { createHmac } from 'node:crypto';
import type { Issue } from '@patron/protocol';
import type { SiteConfig } from '../config/schema.js';
import { matchesSecret, siteSecret } from '../http/admin-auth.js';

/** The userHash the shop's server computes: hex HMAC-SHA256 of the user id with the site's secret key. */
export const userHashOf = (userId: string, secret: string) => createHmac('sha256', secret).update(userId).digest('hex');

/**
 * Returns why an identify event must be rejected under required verification, or undefined when
 * the site does not require it or the event's userHash is right.
 */
export function identifyProblem(site: Pick<SiteConfig, 'key' | 'identityVerification' | 'secretKey'>, userId: string, userHash: string | undefined): Issue | undefined {
  if (site.identityVerification !== 'required') return undefined;
  const secret = siteSecret(site as SiteConfig);
  if (!secret) return { path: 'userHash', message: `site "${site.key}" requires identity verification but has no secret key to check it; set secretKey` };
  if (!userHash) return { path: 'userHash', message: 'is missing; this site requires identify to carry HMAC-SHA256(secret key, user id) computed by the shop’s server' };
  return matchesSecret(userHash, userHashOf(userId, secret)) ? undefined : { path: 'userHash', message: 'does not match the user id; compute HMAC-SHA256 of the user id with the site’s secret key' };
}
