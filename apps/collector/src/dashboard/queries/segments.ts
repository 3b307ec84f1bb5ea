import { and, eq, isNotNull, sql } from 'drizzle-orm';
import type { Db } from '../../db/open.js';
import { profiles, webhookMarks } from '../../db/schema.js';

/** Customers and revenue (minor units) of one cell of the RFM grid. */
export interface GridCell {
  r: number;
  f: number;
  customers: number;
  revenue: number;
}

/** Counts the scored customers and their revenue by recency (R) and frequency (F) score, 1 to 5 each. */
export function readRfmGrid(db: Db, siteKey: string): GridCell[] {
  const r = sql<number>`json_extract(${profiles.rfm}, '$.r')`;
  const f = sql<number>`json_extract(${profiles.rfm}, '$.f')`;
  return db
    .select({ r, f, customers: sql<number>`count(*)`, revenue: sql<number>`coalesce(sum(${profiles.revenue}), 0)` })
    .from(profiles)
    .where(and(eq(profiles.siteKey, siteKey), isNotNull(profiles.rfm)))
    .groupBy(sql`1`, sql`2`)
    .all();
}

/** Customers whose segment was `from` at the previous check and is `to` now; null is "not scored". */
export interface SegmentMove {
  from: string | null;
  to: string | null;
  customers: number;
}

/**
 * Compares each customer's segment now with the one stored at the previous check of segment
 * changes (webhook_marks). The collector keeps those marks only for sites with a webhook on
 * customer.segment_changed, customer.tier_changed or customer.lapsing, and refreshes them right
 * after each scoring, so the moves are those since that check, not over a chosen period.
 */
export function readSegmentMoves(db: Db, siteKey: string): SegmentMove[] {
  return db
    .select({ from: webhookMarks.segment, to: profiles.segment, customers: sql<number>`count(*)` })
    .from(webhookMarks)
    .innerJoin(profiles, and(eq(profiles.siteKey, webhookMarks.siteKey), eq(profiles.id, webhookMarks.profileId)))
    .where(eq(webhookMarks.siteKey, siteKey))
    .groupBy(webhookMarks.segment, profiles.segment)
    .all();
}
