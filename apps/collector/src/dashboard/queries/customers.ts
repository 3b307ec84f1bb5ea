import { and, desc, eq, inArray, or, sql } from 'drizzle-orm';
import type { Db } from '../../db/open.js';
import { decisions, events, identities, orders, profiles } from '../../db/schema.js';
import { userProfileId } from '../../profiles/identity.js';
import type { CustomerSummary } from '../../value/queries.js';

const summaryColumns = {
  id: profiles.id,
  userId: profiles.userId,
  segment: profiles.segment,
  tier: profiles.tier,
  rfm: profiles.rfm,
  orders: profiles.orders,
  revenue: profiles.revenue,
  lastOrderAt: profiles.lastOrderAt,
  probabilityAlive: profiles.probabilityAlive,
  predictedValue: profiles.predictedValue,
};

/**
 * Finds a site's profiles, with or without orders, by id, user id or email trait. A term with "@"
 * is compared with the email trait and the user id without regard to case. Any other term is looked up as a
 * profile id, and as the user id or visitor id behind one, so "42" finds "u:42" and "v:42".
 *
 * NOTE: emails have no index, so an email search reads every profile of the site (about 150 ms
 * for 100,000 profiles on a 2-core Xeon); the other searches use the primary key.
 */
export function searchProfiles(db: Db, siteKey: string, term: string, limit: number): CustomerSummary[] {
  const byId = inArray(profiles.id, [term, userProfileId(term), `v:${term}`]);
  // Shops often use the email as the user id, so an email also matches ids, whatever its case.
  const match = term.includes('@')
    ? or(sql`lower(json_extract(${profiles.traits}, '$.email')) = lower(${term})`, sql`lower(${profiles.userId}) = lower(${term})`, byId)
    : byId;
  const rows = db
    .select(summaryColumns)
    .from(profiles)
    .where(and(eq(profiles.siteKey, siteKey), match))
    .orderBy(desc(profiles.revenue), profiles.id)
    .limit(limit)
    .all();
  return rows.map((row) => ({ ...row, rfm: row.rfm ? (JSON.parse(row.rfm) as CustomerSummary['rfm']) : null }));
}

/** Reads one profile with its visitor ids, latest orders, latest events and the offers decided for it. */
export function readCustomer(db: Db, siteKey: string, id: string) {
  const profile = db.select().from(profiles).where(and(eq(profiles.siteKey, siteKey), eq(profiles.id, id))).get();
  if (!profile) return undefined;

  const visitorIds = db
    .select({ visitorId: identities.visitorId })
    .from(identities)
    .where(and(eq(identities.siteKey, siteKey), eq(identities.profileId, id)))
    .all()
    .map((link) => link.visitorId);
  const customerOrders = db
    .select({
      transactionId: orders.transactionId,
      placedAt: orders.placedAt,
      currency: orders.currency,
      value: orders.value,
      refunded: orders.refunded,
      items: orders.items,
      source: orders.source,
      confirmed: orders.confirmed,
      coupon: orders.coupon,
    })
    .from(orders)
    .where(and(eq(orders.siteKey, siteKey), eq(orders.profileId, id)))
    .orderBy(desc(orders.placedAt))
    .limit(100)
    .all();
  const orderCount = db.select({ n: sql<number>`count(*)` }).from(orders).where(and(eq(orders.siteKey, siteKey), eq(orders.profileId, id))).get()?.n ?? 0;
  const recentEvents =
    visitorIds.length === 0
      ? []
      : db
          .select({ id: events.id, type: events.type, name: events.name, occurredAt: events.occurredAt, url: events.url, title: events.title, value: events.value, currency: events.currency })
          .from(events)
          .where(and(eq(events.siteKey, siteKey), inArray(events.visitorId, visitorIds)))
          .orderBy(desc(events.occurredAt))
          .limit(50)
          .all();
  const offersSeen =
    visitorIds.length === 0
      ? []
      : db
          .select({ id: decisions.id, offerId: decisions.offerId, variant: decisions.variant, group: decisions.groupName, placement: decisions.placement, decidedAt: decisions.decidedAt })
          .from(decisions)
          .where(and(eq(decisions.siteKey, siteKey), inArray(decisions.visitorId, visitorIds), eq(decisions.forced, 0)))
          .orderBy(desc(decisions.decidedAt))
          .limit(50)
          .all();

  return { profile, visitorIds, orders: customerOrders, orderCount, recentEvents, offersSeen };
}
