import { and, desc, eq, gte, inArray, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/open.js';
import { decisions, events, identities, orders, profiles, refunds } from '../../db/schema.js';
import { userProfileId, visitorProfileId } from '../../profiles/identity.js';
import type { CustomerSummary } from '../../value/queries.js';
import { VISITOR_PREFIX, customerName } from '../names.js';

const summaryColumns = {
  id: profiles.id,
  userId: profiles.userId,
  traits: profiles.traits,
  segment: profiles.segment,
  tier: profiles.tier,
  rfm: profiles.rfm,
  orders: profiles.orders,
  revenue: profiles.revenue,
  lastOrderAt: profiles.lastOrderAt,
  probabilityAlive: profiles.probabilityAlive,
  predictedValue: profiles.predictedValue,
};

/** A customer of the list with the name the dashboard shows for them. */
export type NamedCustomer = CustomerSummary & { name: string };

const trait = (name: string) => sql`json_extract(${profiles.traits}, ${`$.${name}`})`;
/** The name trait, or the first and last names, as {@link customerName} reads them (SQLite's trim and lower are ASCII only). */
const nameTrait = sql`coalesce(nullif(trim(${trait('name')}), ''), trim(coalesce(${trait('firstName')}, '') || ' ' || coalesce(${trait('lastName')}, '')))`;
/** Contains `term`, without regard to (ASCII) case. */
const contains = (value: SQL, term: string) => sql`instr(lower(${value}), lower(${term})) > 0`;

/**
 * Finds a site's profiles, with or without orders, by any of the things the dashboard shows for
 * them (see {@link customerName}): a profile id, user id or visitor id given whole; a part of the
 * name or email trait; or the start of a visitor id, at least 4 characters, with or without the
 * word "Visitor" before it. User ids and emails are compared without regard to case.
 *
 * NOTE: traits have no index, so every search reads every profile of the site (about 90 ms for
 * 100,000 profiles, see bench/dashboard.mjs). An index on them would slow every profile update,
 * which is every event stored.
 */
export function searchProfiles(db: Db, siteKey: string, term: string, limit: number): NamedCustomer[] {
  const visitorStart = term.toLowerCase().startsWith(VISITOR_PREFIX.toLowerCase()) ? term.slice(VISITOR_PREFIX.length).trim() : term;
  const match = or(
    inArray(profiles.id, [term, userProfileId(term), visitorProfileId(term)]),
    sql`lower(${profiles.userId}) = lower(${term})`,
    contains(nameTrait, term),
    contains(trait('email'), term),
    visitorStart.length >= 4 ? and(gte(profiles.id, visitorProfileId(visitorStart)), lt(profiles.id, `${visitorProfileId(visitorStart)}\uffff`)) : undefined,
  );
  const rows = db
    .select(summaryColumns)
    .from(profiles)
    .where(and(eq(profiles.siteKey, siteKey), match))
    .orderBy(desc(profiles.revenue), profiles.id)
    .limit(limit)
    .all();
  return rows.map(({ traits, ...row }) => ({ ...row, name: customerName({ ...row, traits }), rfm: row.rfm ? (JSON.parse(row.rfm) as CustomerSummary['rfm']) : null }));
}

/** Adds the name the dashboard shows to each customer of a list, reading their traits by primary key. */
export function withNames(db: Db, siteKey: string, items: CustomerSummary[]): NamedCustomer[] {
  const ids = items.map((item) => item.id);
  const traits = new Map(
    ids.length === 0
      ? []
      : db
          .select({ id: profiles.id, traits: profiles.traits })
          .from(profiles)
          .where(and(eq(profiles.siteKey, siteKey), inArray(profiles.id, ids)))
          .all()
          .map((row) => [row.id, row.traits]),
  );
  return items.map((item) => ({ ...item, name: customerName({ ...item, traits: traits.get(item.id) ?? '{}' }) }));
}

/** Reads one profile with its visitor ids, latest orders and refunds, latest events and the offers decided for it. */
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
  // Refunds that name the customer but no order, such as an export's cancellation invoices.
  const orderlessRefunds = db
    .select({ id: refunds.id, refundedAt: refunds.refundedAt, currency: refunds.currency, amount: refunds.amount, source: refunds.source })
    .from(refunds)
    .where(and(eq(refunds.siteKey, siteKey), eq(refunds.profileId, id)))
    .orderBy(desc(refunds.refundedAt))
    .limit(100)
    .all();
  const refundCount = db.select({ n: sql<number>`count(*)` }).from(refunds).where(and(eq(refunds.siteKey, siteKey), eq(refunds.profileId, id))).get()?.n ?? 0;
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

  return { profile, visitorIds, orders: customerOrders, orderCount, refunds: orderlessRefunds, refundCount, recentEvents, offersSeen };
}
