/** An exposure of one person to an offer decision, from the `offer_events` table. */
export interface Exposure {
  profileId: string;
  offerId: string | null;
  variant: string | null;
  group: string;
  at: number;
}

/** An order of one person, net of refunds, in the site's currency. */
export interface Order {
  profileId: string;
  at: number;
  value: number;
  coupon: string | null;
}

/** Identifies the group an exposure put a person in: offer, variant and group. */
export const armKey = (exposure: Pick<Exposure, 'offerId' | 'variant' | 'group'>) =>
  `${exposure.offerId ?? '*'}\u0000${exposure.group === 'treatment' ? exposure.variant ?? '' : ''}\u0000${exposure.group}`;

export interface Attribution {
  /** Attributed revenue per arm key and person. */
  revenue: Map<string, Map<string, number>>;
  /** Orders whose coupon belongs to an offer the person was never exposed to, by offer id. */
  couponsWithoutExposure: Map<string, number>;
}

/**
 * Attributes each order to at most one exposure of the same person. An order with the coupon code
 * of an offer goes to the person's latest earlier exposure to that offer, however long ago. Any
 * other order goes to the person's latest exposure in the `windowMs` before it, whatever the
 * offer or group, so the control group and the holdout collect conversions the same way.
 */
export function attributeOrders(exposures: Exposure[], orders: Order[], offerOfCoupon: ReadonlyMap<string, string>, windowMs: number): Attribution {
  const byPerson = new Map<string, Exposure[]>();
  for (const exposure of exposures) {
    const list = byPerson.get(exposure.profileId) ?? [];
    list.push(exposure);
    byPerson.set(exposure.profileId, list);
  }
  for (const list of byPerson.values()) list.sort((a, b) => a.at - b.at);

  const revenue = new Map<string, Map<string, number>>();
  const couponsWithoutExposure = new Map<string, number>();
  for (const order of orders) {
    // Latest first, so `find` returns the latest exposure that qualifies.
    const earlier = (byPerson.get(order.profileId) ?? []).filter((exposure) => exposure.at <= order.at).reverse();
    const couponOffer = order.coupon ? offerOfCoupon.get(order.coupon) : undefined;
    let exposure: Exposure | undefined;
    if (couponOffer) {
      exposure = earlier.find((candidate) => candidate.offerId === couponOffer);
      if (!exposure) couponsWithoutExposure.set(couponOffer, (couponsWithoutExposure.get(couponOffer) ?? 0) + 1);
    } else {
      exposure = earlier.find((candidate) => order.at - candidate.at <= windowMs);
    }
    if (!exposure) continue;
    const key = armKey(exposure);
    const people = revenue.get(key) ?? new Map<string, number>();
    people.set(order.profileId, (people.get(order.profileId) ?? 0) + order.value);
    revenue.set(key, people);
  }
  return { revenue, couponsWithoutExposure };
}
