import { and, eq, isNotNull, sql } from 'drizzle-orm';
import type { Db } from '../../db/open.js';
import { profiles, segmentMoves } from '../../db/schema.js';

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
 * Reads the moves noted at the latest check that found any: the collector compares every
 * customer's segment with the previous one right after each scoring and notes who moved.
 */
export function readSegmentMoves(db: Db, siteKey: string): { moves: SegmentMove[]; at: number | null } {
  const latest = db.select({ at: sql<number | null>`max(${segmentMoves.movedAt})` }).from(segmentMoves).where(eq(segmentMoves.siteKey, siteKey)).get()?.at ?? null;
  if (latest === null) return { moves: [], at: null };
  const moves = db
    .select({ from: segmentMoves.fromSegment, to: segmentMoves.toSegment, customers: sql<number>`count(*)` })
    .from(segmentMoves)
    .where(and(eq(segmentMoves.siteKey, siteKey), eq(segmentMoves.movedAt, latest)))
    .groupBy(segmentMoves.fromSegment, segmentMoves.toSegment)
    .all();
  return { moves, at: latest };
}
