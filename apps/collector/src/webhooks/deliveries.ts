import { and, desc, eq } from 'drizzle-orm';
import type { Db } from '../db/open.js';
import { webhookDeliveries } from '../db/schema.js';

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/** A delivery as the admin API and the command line show it, with its body parsed. */
export function describeDelivery(row: typeof webhookDeliveries.$inferSelect) {
  return {
    id: row.id,
    webhookId: row.webhookId,
    event: row.event,
    status: row.status,
    attempts: row.attempts,
    lastStatus: row.lastStatus,
    lastError: row.lastError,
    createdAt: new Date(row.createdAt).toISOString(),
    nextAttemptAt: row.status === 'pending' ? new Date(row.nextAttemptAt).toISOString() : null,
    deliveredAt: row.deliveredAt === null ? null : new Date(row.deliveredAt).toISOString(),
    body: JSON.parse(row.body) as unknown,
  };
}

/** Lists a site's deliveries, newest first, optionally of one status. */
export function listDeliveries(db: Db, siteKey: string, { status, limit = 100 }: { status?: DeliveryStatus | undefined; limit?: number } = {}) {
  return db
    .select()
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.siteKey, siteKey), status ? eq(webhookDeliveries.status, status) : undefined))
    .orderBy(desc(webhookDeliveries.createdAt))
    .limit(limit)
    .all()
    .map(describeDelivery);
}

/**
 * Sends deliveries again: the one named, or every failed one when `id` is undefined. They become
 * pending, due now, with a new give-up time counted from now. Returns how many were replayed.
 */
export function replayDeliveries(db: Db, siteKey: string, id: string | undefined, now = Date.now()): number {
  return db
    .update(webhookDeliveries)
    .set({ status: 'pending', nextAttemptAt: now, createdAt: now, deliveredAt: null })
    .where(and(eq(webhookDeliveries.siteKey, siteKey), id === undefined ? eq(webhookDeliveries.status, 'failed') : eq(webhookDeliveries.id, id)))
    .run().changes;
}
