import { and, eq, sql } from 'drizzle-orm';
import type { Tx } from '../db/open.js';
import { orders, profiles, refunds } from '../db/schema.js';


/**
 * Recomputes a profile's order totals from the orders and refunds stored for it: orders, first
 * and last order, and revenue after refunds in the site's currency. Used when an order changes
 * hands or value, where adding and subtracting would lose the first and last order times.
 */
export function recountOrders(tx: Tx, siteKey: string, profileId: string, siteCurrency: string): void {
  const totals = tx
    .select({
      orders: sql<number>`count(*)`,
      revenue: sql<number>`coalesce(sum(CASE WHEN ${orders.currency} = ${siteCurrency} THEN ${orders.value} - ${orders.refunded} ELSE 0 END), 0)`,
      refunded: sql<number>`coalesce(sum(CASE WHEN ${orders.currency} = ${siteCurrency} THEN ${orders.refunded} ELSE 0 END), 0)`,
      first: sql<number | null>`min(${orders.placedAt})`,
      last: sql<number | null>`max(${orders.placedAt})`,
    })
    .from(orders)
    .where(and(eq(orders.siteKey, siteKey), eq(orders.profileId, profileId)))
    .get()!;
  const orderless = tx
    .select({ amount: sql<number>`coalesce(sum(${refunds.amount}), 0)` })
    .from(refunds)
    .where(and(eq(refunds.siteKey, siteKey), eq(refunds.profileId, profileId), eq(refunds.currency, siteCurrency)))
    .get()!;
  tx.update(profiles)
    .set({
      orders: totals.orders,
      revenue: totals.revenue - orderless.amount,
      refunded: totals.refunded + orderless.amount,
      firstOrderAt: totals.first,
      lastOrderAt: totals.last,
    })
    .where(and(eq(profiles.siteKey, siteKey), eq(profiles.id, profileId)))
    .run();
}
