import { fromMinorUnits } from '@patron/protocol';
import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import type { SiteConfig } from '../config/schema.js';
import type { Db } from '../db/open.js';
import { segments, tiers, type SegmentName, type TierName } from '../value/segments.js';

/** Which customers an audience holds: a segment, a tier, the people exposed to an offer, or everyone with an order. */
export const audienceFilterSchema = z
  .object({
    segment: z.enum(segments.map((segment) => segment.name) as [SegmentName, ...SegmentName[]]).optional(),
    tier: z.enum(tiers.map((tier) => tier.name) as [TierName, ...TierName[]]).optional(),
    offer: z.string().min(1).max(64).optional(),
    /** With `offer`: only the people shown it, or only its control group. The programme's holdout belongs to no offer. */
    group: z.enum(['treatment', 'control']).optional(),
  })
  .strict()
  .refine((filter) => filter.group === undefined || filter.offer !== undefined, { message: 'applies only with offer, which names the offer whose group to export', path: ['group'] });

export type AudienceFilter = z.infer<typeof audienceFilterSchema>;

/** Columns of an export, in the order CSV files get them. Money is in major units of `currency`. */
export const audienceColumns = ['customer_id', 'user_id', 'email', 'segment', 'tier', 'orders', 'revenue', 'last_order_at', 'predicted_value', 'currency'] as const;

export type AudienceRow = Record<(typeof audienceColumns)[number], string | number | null>;

interface ProfileRow {
  id: string;
  user_id: string | null;
  traits: string;
  segment: string | null;
  tier: string | null;
  orders: number;
  revenue: number;
  last_order_at: number | null;
  predicted_value: number | null;
}

/**
 * Yields the audience's customers in pages of `pageSize`, most valuable first. Each page is one
 * query that continues after the last row of the one before, so a large audience never sits in
 * memory and no query stays open while the caller awaits (better-sqlite3 allows one open query per
 * connection). Email is the `email` trait the shop sent with identify, and is empty when it sent
 * none. Erased customers have no profile and so never appear.
 */
export function* audiencePages(db: Db, site: Pick<SiteConfig, 'key' | 'currency'>, filter: AudienceFilter, pageSize = 1000): Generator<AudienceRow[]> {
  const conditions = ['p.site_key = @site'];
  if (filter.segment) conditions.push('p.segment = @segment');
  if (filter.tier) conditions.push('p.tier = @tier');
  if (filter.offer) {
    conditions.push(`p.id IN (
      SELECT coalesce(i.profile_id, 'v:' || e.visitor_id) FROM offer_events e
      LEFT JOIN identities i ON i.site_key = e.site_key AND i.visitor_id = e.visitor_id
      WHERE e.site_key = @site AND e.type = 'offer_exposure' AND e.offer_id = @offer ${filter.group ? 'AND e.group_name = @group' : ''})`);
  } else {
    conditions.push('p.orders > 0');
  }
  const statement = db.$client.prepare(
    `SELECT p.id, p.user_id, p.traits, p.segment, p.tier, p.orders, p.revenue, p.last_order_at, p.predicted_value
     FROM profiles p WHERE ${conditions.join(' AND ')}
       AND (@afterRevenue IS NULL OR p.revenue < @afterRevenue OR (p.revenue = @afterRevenue AND p.id > @afterId))
     ORDER BY p.revenue DESC, p.id LIMIT @limit`,
  );
  const parameters = { site: site.key, segment: filter.segment ?? null, tier: filter.tier ?? null, offer: filter.offer ?? null, group: filter.group ?? null, limit: pageSize };
  let after: { revenue: number; id: string } | undefined;
  for (;;) {
    const rows = statement.all({ ...parameters, afterRevenue: after?.revenue ?? null, afterId: after?.id ?? null }) as ProfileRow[];
    if (rows.length === 0) return;
    yield rows.map((row) => toAudienceRow(row, site.currency));
    const last = rows[rows.length - 1]!;
    after = { revenue: last.revenue, id: last.id };
  }
}

function toAudienceRow(row: ProfileRow, currency: string): AudienceRow {
  const traits = JSON.parse(row.traits) as Record<string, unknown>;
  return {
    customer_id: row.id,
    user_id: row.user_id,
    email: typeof traits.email === 'string' ? traits.email : null,
    segment: row.segment,
    tier: row.tier,
    orders: row.orders,
    revenue: Number(fromMinorUnits(row.revenue, currency)),
    last_order_at: row.last_order_at === null ? null : new Date(row.last_order_at).toISOString(),
    predicted_value: row.predicted_value === null ? null : Number(fromMinorUnits(row.predicted_value, currency)),
    currency,
  };
}


/**
 * Formats rows as CSV lines, the header first; `header` false continues an export. A text cell
 * that starts with =, +, -, @, a tab or a carriage return gets a leading apostrophe, so that a
 * spreadsheet shows it instead of running it as a formula (traits come from browsers).
 */
export const toCsv = (rows: AudienceRow[], header: boolean) =>
  stringify(rows, { header, columns: [...audienceColumns], cast: { string: (value) => (/^[=+\-@\t\r]/.test(value) ? `'${value}` : value) } });
