import { and, eq, gte, lt, sql } from 'drizzle-orm';
import type { SiteConfig } from '../../config/schema.js';
import type { Db } from '../../db/open.js';
import { orders, refunds } from '../../db/schema.js';
import type { Period } from '../period.js';
import { bucketKeySql, localTimeSql, offsetSpans } from '../time.js';
import { readBucketVisitors } from './bucket-visitors.js';
import { countVisitors } from './visitors.js';

/** Distinct visitors and customers, orders, and revenue in minor units, over a bucket or a whole span. */
export interface Totals {
  visitors: number;
  customers: number;
  orders: number;
  /** Order values less their refunds, less refunds without an order, in minor units. */
  revenue: number;
}

export interface ActivityPoint extends Totals {
  key: number;
}

export interface Activity {
  points: ActivityPoint[];
  /** Totals over the whole period; visitors and customers are distinct over the period, not summed. */
  totals: Totals;
}

/** A span of time: `start` included, `end` excluded, epoch milliseconds. */
export type Span = Pick<Period, 'start' | 'end'>;

type SiteMoney = Pick<SiteConfig, 'key' | 'currency'>;

const orderRevenue = (currency: string) => sql<number>`coalesce(sum(CASE WHEN ${orders.currency} = ${currency} THEN ${orders.value} - ${orders.refunded} ELSE 0 END), 0)`;
const orderRange = (siteKey: string, span: Span) => and(eq(orders.siteKey, siteKey), gte(orders.placedAt, span.start), lt(orders.placedAt, span.end));
const refundRange = (site: SiteMoney, span: Span) =>
  and(eq(refunds.siteKey, site.key), eq(refunds.currency, site.currency), gte(refunds.refundedAt, span.start), lt(refunds.refundedAt, span.end));

/**
 * Counts visitors (from events), and customers, orders and revenue (from orders and refunds) per
 * bucket of the period, in the period's time zone, with the totals of the whole period. Only
 * orders and refunds in the site's currency count towards revenue, as in the profiles.
 *
 * Visitors are read from indexes alone, and each past bucket's count is remembered until its
 * events change (see bucket-visitors.ts), so the cost grows with the events of the period, not of
 * the site, and mostly with those of its latest bucket: see bench/dashboard.mjs for figures.
 */
export function readActivity(db: Db, site: SiteMoney, period: Period, timeZone: string): Activity {
  const spans = offsetSpans(period.start, period.end, timeZone);
  const bucketOf = (column: Parameters<typeof localTimeSql>[0]) => bucketKeySql(localTimeSql(column, spans), period.bucket);

  const visitors = readBucketVisitors(db, site.key, period, timeZone);

  const orderRows = db
    .select({
      key: sql<number>`${bucketOf(orders.placedAt)}`,
      orders: sql<number>`count(*)`,
      customers: sql<number>`count(DISTINCT ${orders.profileId})`,
      revenue: orderRevenue(site.currency),
    })
    .from(orders)
    .where(orderRange(site.key, period))
    .groupBy(sql`1`)
    .all();

  const refundRows = db
    .select({ key: sql<number>`${bucketOf(refunds.refundedAt)}`, amount: sql<number>`sum(${refunds.amount})` })
    .from(refunds)
    .where(refundRange(site, period))
    .groupBy(sql`1`)
    .all();

  const byKey = new Map<number, ActivityPoint>(period.keys.map((key) => [key, { key, visitors: 0, customers: 0, orders: 0, revenue: 0 }]));
  for (const [key, count] of visitors) {
    const point = byKey.get(key);
    if (point) point.visitors = count;
  }
  for (const row of orderRows) {
    const point = byKey.get(row.key);
    if (point) Object.assign(point, { orders: row.orders, customers: row.customers, revenue: point.revenue + row.revenue });
  }
  for (const row of refundRows) {
    const point = byKey.get(row.key);
    if (point) point.revenue -= row.amount;
  }
  return { points: [...byKey.values()], totals: readTotals(db, site, period) };
}

/** Totals of a span of time: visitors and customers counted once each, orders, and revenue after refunds. */
export function readTotals(db: Db, site: SiteMoney, span: Span): Totals {
  return { visitors: countVisitors(db, site.key, span), ...readOrderTotals(db, site, span) };
}

export type OrderTotals = Omit<Totals, 'visitors'>;

/** Customers (distinct profiles with an order), orders, and revenue after refunds, of orders placed and refunds made in a span. */
export function readOrderTotals(db: Db, site: SiteMoney, span: Span): OrderTotals {
  const totals = db
    .select({ orders: sql<number>`count(*)`, customers: sql<number>`count(DISTINCT ${orders.profileId})`, revenue: orderRevenue(site.currency) })
    .from(orders)
    .where(orderRange(site.key, span))
    .get();
  const refunded = db.select({ amount: sql<number>`coalesce(sum(${refunds.amount}), 0)` }).from(refunds).where(refundRange(site, span)).get()?.amount ?? 0;
  return { customers: totals?.customers ?? 0, orders: totals?.orders ?? 0, revenue: (totals?.revenue ?? 0) - refunded };
}
