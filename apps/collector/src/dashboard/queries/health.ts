import { and, desc, eq, gte, isNotNull, sql } from 'drizzle-orm';
import type { Db } from '../../db/open.js';
import type { Metrics } from '../../http/metrics.js';
import { quarantine, webhookDeliveries } from '../../db/schema.js';
import { MINUTE_MS } from '../time.js';

/** Events received per minute over the last hour, oldest minute first. */
export interface Ingestion {
  /** Start of each minute, epoch milliseconds. */
  minutes: Array<{ at: number; events: number }>;
  total: number;
}

/**
 * Later batches can be committed before earlier ones by up to a few seconds, so the scan reads
 * this far past the hour before it stops.
 */
const ORDER_SLACK_MS = 5 * MINUTE_MS;

/**
 * Counts the site's events received in each of the last 60 whole minutes. Rows are read newest
 * first by rowid, which follows the order of storing, and the scan stops once received_at is well
 * before the hour, so the cost follows the last hour's traffic and not the table's size.
 *
 * NOTE: a clock set back by more than five minutes while the collector ran would end the scan early.
 */
export function readIngestion(db: Db, siteKey: string, now: number): Ingestion {
  const end = Math.floor(now / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
  const start = end - 60 * MINUTE_MS;
  const counts = new Array<number>(60).fill(0);
  const statement = db.$client.prepare('SELECT site_key AS siteKey, received_at AS receivedAt FROM events ORDER BY rowid DESC');
  for (const row of statement.iterate() as IterableIterator<{ siteKey: string; receivedAt: number }>) {
    if (row.receivedAt < start - ORDER_SLACK_MS) break;
    if (row.siteKey !== siteKey || row.receivedAt < start || row.receivedAt >= end) continue;
    counts[Math.floor((row.receivedAt - start) / MINUTE_MS)]!++;
  }
  return { minutes: counts.map((events, index) => ({ at: start + index * MINUTE_MS, events })), total: counts.reduce((sum, n) => sum + n, 0) };
}

export interface Rejections {
  /** Rejected events since `since`; an event with several issues counts once. */
  events: number;
  latest: number | null;
  reasons: Array<{ path: string; message: string; events: number }>;
}

/** Counts the site's quarantined events since `since` by validation issue, most frequent first. */
export function readRejections(db: Db, siteKey: string, since: number): Rejections {
  const recent = and(eq(quarantine.siteKey, siteKey), gte(quarantine.receivedAt, since));
  const totals = db.select({ events: sql<number>`count(*)`, latest: sql<number | null>`max(${quarantine.receivedAt})` }).from(quarantine).where(recent).get();
  const reasons = db.all<{ path: string; message: string; events: number }>(sql`
    SELECT coalesce(json_extract(issue.value, '$.path'), '') AS path, coalesce(json_extract(issue.value, '$.message'), '') AS message, count(DISTINCT q.id) AS events
    FROM ${quarantine} AS q, json_each(q.issues) AS issue
    WHERE q.site_key = ${siteKey} AND q.received_at >= ${since}
    GROUP BY 1, 2
    ORDER BY 3 DESC, 1, 2
    LIMIT 20`);
  return { events: totals?.events ?? 0, latest: totals?.latest ?? null, reasons };
}

/** Counts the site's webhook deliveries by endpoint and status, and lists the latest errors. */
export function readDeliveries(db: Db, siteKey: string) {
  const counts = db
    .select({ webhookId: webhookDeliveries.webhookId, status: webhookDeliveries.status, deliveries: sql<number>`count(*)` })
    .from(webhookDeliveries)
    .where(eq(webhookDeliveries.siteKey, siteKey))
    .groupBy(webhookDeliveries.webhookId, webhookDeliveries.status)
    .all();
  const errors = db
    .select({
      webhookId: webhookDeliveries.webhookId,
      event: webhookDeliveries.event,
      status: webhookDeliveries.status,
      attempts: webhookDeliveries.attempts,
      lastStatus: webhookDeliveries.lastStatus,
      lastError: webhookDeliveries.lastError,
      createdAt: webhookDeliveries.createdAt,
    })
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.siteKey, siteKey), isNotNull(webhookDeliveries.lastError)))
    .orderBy(desc(webhookDeliveries.createdAt))
    .limit(5)
    .all();
  return { counts, errors };
}

/**
 * Reads the admission counters of this process: requests admitted and shed by route and tier
 * since the collector started. Admission is not per site, so the counts cover every site.
 */
export async function readAdmission(metrics: Pick<Metrics, 'admitted' | 'shed'>): Promise<Array<{ route: string; tier: string; admitted: number; shed: number }>> {
  const rows = new Map<string, { route: string; tier: string; admitted: number; shed: number }>();
  for (const outcome of ['admitted', 'shed'] as const) {
    for (const value of (await metrics[outcome].get()).values) {
      const route = String(value.labels.route ?? '');
      const tier = String(value.labels.tier ?? '');
      const row = rows.get(`${route} ${tier}`) ?? { route, tier, admitted: 0, shed: 0 };
      row[outcome] += value.value;
      rows.set(`${route} ${tier}`, row);
    }
  }
  return [...rows.values()];
}
