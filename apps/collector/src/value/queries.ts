import { and, desc, eq, gt, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/open.js';
import { profiles, scoringRuns } from '../db/schema.js';
import { segments as segmentOrder } from './segments.js';

export interface CustomerSummary {
  id: string;
  userId: string | null;
  segment: string | null;
  tier: string | null;
  rfm: { r: number; f: number; m: number } | null;
  orders: number;
  /** Minor units of the site's currency, after refunds. */
  revenue: number;
  lastOrderAt: number | null;
  /** Probability of still being active, when the site's value models are usable. */
  probabilityAlive: number | null;
  /** Predicted value over the next year, discounted, minor units; null without usable models. */
  predictedValue: number | null;
}

export interface CustomerFilter {
  limit: number;
  offset?: number | undefined;
  segment?: string | undefined;
  tier?: string | undefined;
}

/** Lists a site's customers (profiles with an order), highest revenue first. */
export function listCustomers(db: Db, siteKey: string, filter: CustomerFilter): { total: number; items: CustomerSummary[] } {
  const conditions: SQL[] = [eq(profiles.siteKey, siteKey), gt(profiles.orders, 0)];
  if (filter.segment) conditions.push(eq(profiles.segment, filter.segment));
  if (filter.tier) conditions.push(eq(profiles.tier, filter.tier));
  const where = and(...conditions);

  const total = db.select({ n: sql<number>`count(*)` }).from(profiles).where(where).get()?.n ?? 0;
  const rows = db
    .select({
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
    })
    .from(profiles)
    .where(where)
    .orderBy(desc(profiles.revenue), desc(profiles.orders), profiles.id)
    .limit(filter.limit)
    .offset(filter.offset ?? 0)
    .all();
  return { total, items: rows.map((row) => ({ ...row, rfm: row.rfm ? (JSON.parse(row.rfm) as CustomerSummary['rfm']) : null })) };
}

export interface SegmentSummary {
  segment: string;
  customers: number;
  revenue: number;
  /** Share of the scored customers' revenue, from 0 to 1. */
  revenueShare: number;
}

/** Lists the RFM segments in order of value, with their customers and revenue, and the latest scoring run. */
export function listSegments(db: Db, siteKey: string) {
  const run = db.select().from(scoringRuns).where(eq(scoringRuns.siteKey, siteKey)).get();
  const rows = db
    .select({ segment: profiles.segment, customers: sql<number>`count(*)`, revenue: sql<number>`sum(${profiles.revenue})` })
    .from(profiles)
    .where(and(eq(profiles.siteKey, siteKey), sql`${profiles.segment} IS NOT NULL`))
    .groupBy(profiles.segment)
    .all();
  const totalRevenue = rows.reduce((sum, row) => sum + row.revenue, 0);
  const bySegment = new Map(rows.map((row) => [row.segment, row]));
  const segments: SegmentSummary[] = segmentOrder.map(({ name }) => {
    const row = bySegment.get(name);
    return {
      segment: name,
      customers: row?.customers ?? 0,
      revenue: row?.revenue ?? 0,
      revenueShare: totalRevenue > 0 ? (row?.revenue ?? 0) / totalRevenue : 0,
    };
  });
  return { run, segments };
}
