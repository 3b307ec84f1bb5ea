import { and, eq, gte, inArray, sql } from 'drizzle-orm';
import type { SiteConfig } from '../config/schema.js';
import type { Db } from '../db/open.js';
import { decisions, identities, offerEvents, orders } from '../db/schema.js';
import { armKey, attributeOrders, type Exposure, type Order } from './attribution.js';
import type { OfferCatalog } from './catalog.js';
import { compareArms, type Arm, type Comparison } from './stats.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** One group's figures. Revenue is in minor units of the site's currency. */
export interface ArmReport extends Arm {
  exposures: number;
  conversionRate: number;
  revenuePerVisitor: number;
}

export interface VariantReport extends ArmReport {
  id: string;
  clicks: number;
  dismissals: number;
  /** This variant against the offer's control group; null while the offer has no control group. */
  comparison: Comparison | null;
}

export interface OfferReport {
  id: string;
  status: string;
  source: 'file' | 'api';
  variants: VariantReport[];
  control: ArmReport | null;
  /** Orders with this offer's coupon code by people never exposed to the offer, left unattributed. */
  couponOrdersWithoutExposure: number;
}

export interface OffersReport {
  currency: string;
  attributionDays: number;
  since: number | null;
  offers: OfferReport[];
  /**
   * The whole programme: every person decided for outside the holdout (shown an offer, held back
   * as a control, or matching none) against the holdout, by the decisions the collector made.
   */
  programme: { inProgramme: ArmReport; holdout: ArmReport; comparison: Comparison };
}

/**
 * Reports, per offer and variant, exposures, conversions, revenue per visitor and the uplift
 * against the offer's control group, and the programme against the holdout. People are counted by
 * profile, so one person's devices and visits count once.
 *
 * NOTE: the exposures and orders of the period are read into memory; a site with tens of millions
 * of exposures would need this computed in SQL instead.
 */
export function reportOffers(db: Db, site: SiteConfig, catalog: OfferCatalog, since?: number): OffersReport {
  const settings = site.offerSettings;
  const windowMs = settings.attributionDays * DAY_MS;
  const options = { minVisitorsPerGroup: settings.minVisitorsPerGroup, minimumDetectableEffect: settings.minimumDetectableEffect };

  const profileOf = sql<string>`coalesce(${identities.profileId}, 'v:' || ${offerEvents.visitorId})`;
  const pageEvents = db
    .select({ type: offerEvents.type, profileId: profileOf, offerId: offerEvents.offerId, variant: offerEvents.variant, group: offerEvents.groupName, at: offerEvents.occurredAt })
    .from(offerEvents)
    .leftJoin(identities, and(eq(identities.siteKey, offerEvents.siteKey), eq(identities.visitorId, offerEvents.visitorId)))
    .where(and(eq(offerEvents.siteKey, site.key), since === undefined ? undefined : gte(offerEvents.occurredAt, since)))
    .all();
  const exposures: Exposure[] = pageEvents.filter((event) => event.type === 'offer_exposure');

  const offerOfCoupon = new Map<string, string>();
  for (const offer of catalog.list(site.key)) {
    for (const variant of offer.variants) if (variant.code) offerOfCoupon.set(variant.code, offer.config.id);
  }
  const decided = decidedPeople(db, site.key, since);
  const people = [...new Set([...exposures.map((exposure) => exposure.profileId), ...decided.map((decision) => decision.profileId)])];
  // Orders with an offer's code count too when their buyer was never exposed, to report coupons that travelled.
  const personOrders = [...ordersOf(db, site, people), ...couponOrdersOfOthers(db, site, [...offerOfCoupon.keys()], new Set(people), since)];
  const attribution = attributeOrders(exposures, personOrders, offerOfCoupon, windowMs);
  const armOf = (key: string, group: Exposure[]): ArmReport => summarizeArm(group, attribution.revenue.get(key));

  const exposuresByArm = groupBy(exposures, armKey);
  const offers = catalog.list(site.key).map((offer): OfferReport => {
    const { id } = offer.config;
    const controlKey = armKey({ offerId: id, variant: null, group: 'control' });
    const controlExposures = exposuresByArm.get(controlKey);
    const control = controlExposures ? armOf(controlKey, controlExposures) : null;
    const variantIds = new Set([...offer.variants.map((variant) => variant.id), ...exposures.filter((e) => e.offerId === id && e.group === 'treatment').map((e) => e.variant ?? '')]);
    const variants = [...variantIds].map((variantId): VariantReport => {
      const key = armKey({ offerId: id, variant: variantId, group: 'treatment' });
      const arm = armOf(key, exposuresByArm.get(key) ?? []);
      const count = (type: string) => pageEvents.filter((event) => event.type === type && event.offerId === id && event.variant === variantId).length;
      return { id: variantId, ...arm, clicks: count('offer_click'), dismissals: count('offer_dismiss'), comparison: control ? compareArms(arm, control, options) : null };
    });
    return { id, status: offer.config.status, source: offer.source, variants, control, couponOrdersWithoutExposure: attribution.couponsWithoutExposure.get(id) ?? 0 };
  });

  return {
    currency: site.currency,
    attributionDays: settings.attributionDays,
    since: since ?? null,
    offers,
    programme: programmeReport(decided, personOrders, windowMs, options),
  };
}

interface Decided {
  profileId: string;
  holdout: boolean;
  at: number;
}

/** The people the collector decided for, outside forced previews, with whether each decision was the holdout. */
function decidedPeople(db: Db, siteKey: string, since: number | undefined): Decided[] {
  return db
    .select({
      profileId: sql<string>`coalesce(${identities.profileId}, 'v:' || ${decisions.visitorId})`,
      holdout: sql<number>`${decisions.groupName} = 'holdout'`,
      at: decisions.decidedAt,
    })
    .from(decisions)
    .leftJoin(identities, and(eq(identities.siteKey, decisions.siteKey), eq(identities.visitorId, decisions.visitorId)))
    .where(and(eq(decisions.siteKey, siteKey), eq(decisions.forced, 0), since === undefined ? undefined : gte(decisions.decidedAt, since)))
    .all()
    .map((row) => ({ profileId: row.profileId, holdout: row.holdout === 1, at: row.at }));
}

/** Orders of these people in the site's currency, net of refunds. */
function ordersOf(db: Db, site: Pick<SiteConfig, 'key' | 'currency'>, people: string[]): Order[] {
  const result: Order[] = [];
  // SQLite limits the variables of one statement, so the people are read in chunks.
  for (let start = 0; start < people.length; start += 500) {
    const rows = db
      .select({ profileId: orders.profileId, at: orders.placedAt, value: sql<number>`${orders.value} - ${orders.refunded}`, coupon: orders.coupon })
      .from(orders)
      .where(and(eq(orders.siteKey, site.key), eq(orders.currency, site.currency), inArray(orders.profileId, people.slice(start, start + 500))))
      .all();
    result.push(...rows);
  }
  return result;
}

/** Orders carrying one of the coupon codes by people outside `people`, in the site's currency. */
function couponOrdersOfOthers(db: Db, site: Pick<SiteConfig, 'key' | 'currency'>, codes: string[], people: ReadonlySet<string>, since: number | undefined): Order[] {
  if (codes.length === 0) return [];
  return db
    .select({ profileId: orders.profileId, at: orders.placedAt, value: sql<number>`${orders.value} - ${orders.refunded}`, coupon: orders.coupon })
    .from(orders)
    .where(and(eq(orders.siteKey, site.key), eq(orders.currency, site.currency), inArray(orders.coupon, codes), since === undefined ? undefined : gte(orders.placedAt, since)))
    .all()
    .filter((order) => !people.has(order.profileId));
}

/**
 * Compares the people in the programme with the holdout. A person converts with an order within
 * the attribution window after one of their decisions; a person decided for both ways (before and
 * after a change of the holdout share) counts in the group of their first decision.
 */
function programmeReport(decided: Decided[], personOrders: Order[], windowMs: number, options: Parameters<typeof compareArms>[2]) {
  const first = new Map<string, boolean>();
  const times = new Map<string, number[]>();
  for (const decision of [...decided].sort((a, b) => a.at - b.at)) {
    if (!first.has(decision.profileId)) first.set(decision.profileId, decision.holdout);
    const list = times.get(decision.profileId) ?? [];
    list.push(decision.at);
    times.set(decision.profileId, list);
  }
  const revenue = new Map<string, number>();
  for (const order of personOrders) {
    const decidedAt = times.get(order.profileId) ?? [];
    if (decidedAt.some((at) => at <= order.at && order.at - at <= windowMs)) revenue.set(order.profileId, (revenue.get(order.profileId) ?? 0) + order.value);
  }
  const arm = (holdout: boolean): ArmReport => {
    const members = [...first].filter(([, inHoldout]) => inHoldout === holdout).map(([profileId]) => profileId);
    const exposures = members.map((profileId) => ({ profileId, offerId: null, variant: null, group: holdout ? 'holdout' : 'treatment', at: 0 }));
    return summarizeArm(exposures, new Map(members.flatMap((profileId) => (revenue.has(profileId) ? [[profileId, revenue.get(profileId)!] as const] : []))));
  };
  const inProgramme = arm(false);
  const holdout = arm(true);
  return { inProgramme, holdout, comparison: compareArms(inProgramme, holdout, options) };
}

/** Sums an arm: distinct people exposed, exposures, people who converted, and their revenue. */
function summarizeArm(exposures: Pick<Exposure, 'profileId'>[], revenueByPerson: ReadonlyMap<string, number> | undefined): ArmReport {
  const visitors = new Set(exposures.map((exposure) => exposure.profileId)).size;
  let conversions = 0;
  let revenue = 0;
  let revenueSquares = 0;
  for (const value of revenueByPerson?.values() ?? []) {
    conversions++;
    revenue += value;
    revenueSquares += value * value;
  }
  return {
    visitors,
    exposures: exposures.length,
    conversions,
    revenue,
    revenueSquares,
    conversionRate: visitors === 0 ? 0 : conversions / visitors,
    revenuePerVisitor: visitors === 0 ? 0 : revenue / visitors,
  };
}

function groupBy<T>(values: T[], keyOf: (value: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const value of values) {
    const key = keyOf(value);
    const group = groups.get(key) ?? [];
    group.push(value);
    groups.set(key, group);
  }
  return groups;
}
