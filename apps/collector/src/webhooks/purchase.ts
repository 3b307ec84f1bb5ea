import { and, desc, eq, inArray, lte, gte } from 'drizzle-orm';
import type { SiteConfig } from '../config/schema.js';
import type { Tx } from '../db/open.js';
import { identities, offerEvents, profiles } from '../db/schema.js';
import type { ProfileEvent } from '../profiles/event.js';
import { readStoredOffers } from '../offers/catalog.js';
import { enqueueMoment, isSubscribed } from './enqueue.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export type PurchaseSite = Pick<SiteConfig, 'key' | 'currency' | 'webhooks' | 'offers' | 'offerSettings'>;

/**
 * Enqueues the moments a stored purchase creates: the customer's first purchase, and the
 * conversion of the offer it is attributed to (by coupon code, else the latest offer shown in the
 * attribution window). Runs in the transaction that stored the purchase.
 */
export function enqueuePurchaseMoments(tx: Tx, site: PurchaseSite, event: ProfileEvent): void {
  const first = isSubscribed(site, 'customer.first_purchase');
  const converted = isSubscribed(site, 'offer.converted');
  if (!first && !converted) return;

  const link = tx
    .select({ profileId: identities.profileId })
    .from(identities)
    .where(and(eq(identities.siteKey, site.key), eq(identities.visitorId, event.visitorId)))
    .get();
  const profile = link && tx.select().from(profiles).where(and(eq(profiles.siteKey, site.key), eq(profiles.id, link.profileId))).get();
  if (!profile) return;
  const order = { transactionId: event.transactionId, value: event.value, currency: event.currency, coupon: event.data.coupon ?? null };

  if (first && profile.orders === 1) {
    enqueueMoment(tx, site, { event: 'customer.first_purchase', dedupeKey: `first_purchase:${profile.id}`, profile, data: { order }, at: event.occurredAt });
  }
  if (converted) {
    const offer = attributedOffer(tx, site, profile.id, event);
    if (offer) {
      enqueueMoment(tx, site, { event: 'offer.converted', dedupeKey: `offer.converted:${event.transactionId}`, profile, data: { ...offer, order }, at: event.occurredAt });
    }
  }
}

/** Returns the offer shown to the person that a purchase is credited to, or undefined. */
function attributedOffer(tx: Tx, site: PurchaseSite, profileId: string, event: ProfileEvent) {
  const visitorIds = tx
    .select({ visitorId: identities.visitorId })
    .from(identities)
    .where(and(eq(identities.siteKey, site.key), eq(identities.profileId, profileId)))
    .all()
    .map((row) => row.visitorId);
  const coupon = typeof event.data.coupon === 'string' ? event.data.coupon : undefined;
  const couponOffer = coupon ? findCouponOffer(tx, site, coupon) : undefined;
  const shown = tx
    .select({ offerId: offerEvents.offerId, variant: offerEvents.variant, decisionId: offerEvents.decisionId })
    .from(offerEvents)
    .where(
      and(
        eq(offerEvents.siteKey, site.key),
        inArray(offerEvents.visitorId, visitorIds),
        eq(offerEvents.type, 'offer_exposure'),
        eq(offerEvents.groupName, 'treatment'),
        lte(offerEvents.occurredAt, event.occurredAt),
        couponOffer ? eq(offerEvents.offerId, couponOffer.id) : gte(offerEvents.occurredAt, event.occurredAt - site.offerSettings.attributionDays * DAY_MS),
      ),
    )
    .orderBy(desc(offerEvents.occurredAt))
    .limit(1)
    .get();
  if (!shown?.offerId) return undefined;
  return { offerId: shown.offerId, variant: shown.variant, decisionId: shown.decisionId, attributedBy: couponOffer ? 'coupon' : 'last_exposure' };
}

/**
 * Finds the offer whose code, or one of whose variants' codes, is `coupon`: among the
 * configuration file's offers first, then those created through the admin API.
 */
function findCouponOffer(tx: Tx, site: PurchaseSite, coupon: string): { id: string } | undefined {
  const fromFile = site.offers.find((offer) => offer.code === coupon || offer.variants?.some((variant) => variant.code === coupon));
  if (fromFile) return fromFile;
  const stored = readStoredOffers(tx, site.key).find((offer) => offer.variants.some((variant) => variant.code === coupon));
  return stored?.config;
}
