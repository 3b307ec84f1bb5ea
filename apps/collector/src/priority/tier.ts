import { createPass, isTier, lowestTier, type Tier } from '@patron/priority';
import type { SiteConfig } from '../config/schema.js';
import { siteSecret } from '../http/admin-auth.js';

export interface TierInput {
  visitorId: string;
  /** The profile id, such as "u:42", or undefined for a visitor the site has not seen. */
  profileId: string | undefined;
  /** The value tier from scoring: by predicted value when the site's models are usable, else by revenue. */
  valueTier: string | null;
  segment: string | null;
}

/**
 * Ranks a visitor for admission: the shop's override when there is one, else the value tier,
 * raised to gold for RFM champions (recent, frequent buyers whom revenue alone may rank lower);
 * visitors without a tier get the lowest.
 */
export function admissionTier(site: Pick<SiteConfig, 'priority'>, input: TierInput): Tier {
  const ids = [input.profileId, `v:${input.visitorId}`];
  const override = site.priority.overrides.find((entry) => ids.includes(entry.customer));
  if (override) return override.tier;
  const tier: Tier = input.valueTier && isTier(input.valueTier) ? input.valueTier : lowestTier;
  if (input.segment === 'champions' && (tier === 'silver' || tier === 'bronze')) return 'gold';
  return tier;
}

/** Issues a pass for the visitor, or undefined when the site has no secret key to sign it. */
export function issuePass(site: SiteConfig, visitorId: string, tier: Tier, now = Date.now()): string | undefined {
  const secret = siteSecret(site);
  if (!secret) return undefined;
  return createPass({ site: site.key, visitor: visitorId, tier, expires: Math.floor(now / 1000) + site.priority.passMinutes * 60 }, secret);
}
