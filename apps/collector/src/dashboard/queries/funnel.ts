import { sql } from 'drizzle-orm';
import type { Db } from '../../db/open.js';
import { events } from '../../db/schema.js';
import type { Span } from './activity.js';

/** The steps of the purchase funnel, in order, as the event types that record them. */
export const funnelSteps = [
  { type: 'view_item', label: 'Viewed a product' },
  { type: 'add_to_cart', label: 'Added to basket' },
  { type: 'begin_checkout', label: 'Began checkout' },
  { type: 'purchase', label: 'Purchased' },
] as const;

export interface FunnelStep {
  type: string;
  label: string;
  /** Distinct visitors who reached this step or a later one in the span. */
  visitors: number;
}

/**
 * Counts, for each funnel step, the distinct visitors whose furthest step in the span is that step
 * or a later one. A purchase without a recorded checkout (an express payment button, say) counts as
 * having checked out, so no step has more visitors than the one before it.
 */
export function readFunnel(db: Db, siteKey: string, span: Span): FunnelStep[] {
  const stepOf = sql.join(
    funnelSteps.map((step, index) => sql`WHEN ${step.type} THEN ${sql.raw(String(index + 1))}`),
    sql` `,
  );
  const types = sql.join(
    funnelSteps.map((step) => sql`${step.type}`),
    sql`, `,
  );
  const rows = db.all<{ furthest: number; visitors: number }>(sql`
    SELECT furthest, count(*) AS visitors FROM (
      SELECT max(CASE ${events.type} ${stepOf} END) AS furthest
      FROM ${events} INDEXED BY events_site_time_visitor
      WHERE ${events.siteKey} = ${siteKey} AND ${events.occurredAt} >= ${span.start} AND ${events.occurredAt} < ${span.end} AND ${events.type} IN (${types})
      GROUP BY ${events.visitorId}
    ) GROUP BY furthest`);
  const reached = new Map(rows.map((row) => [row.furthest, row.visitors]));
  // Step n's visitors are those whose furthest step is n or later, summed from the last step back.
  const visitors: number[] = [];
  let atOrBeyond = 0;
  for (let number = funnelSteps.length; number >= 1; number--) {
    atOrBeyond += reached.get(number) ?? 0;
    visitors[number - 1] = atOrBeyond;
  }
  return funnelSteps.map((step, index) => ({ ...step, visitors: visitors[index]! }));
}
