import { asc, eq, sql } from 'drizzle-orm';
import type { SiteConfig } from '../config/schema.js';
import { type Db, IMMEDIATE } from '../db/open.js';
import type { Item } from '@patron/protocol';
import { events, identities, orders, profiles, refunds, sessions } from '../db/schema.js';
import { applyEvent } from './apply.js';

const PAGE_SIZE = 5000;
import { toProfileEvent } from './event.js';
import { addOrder, addRefund, updateProfile } from './totals.js';

/**
 * Deletes a site's profiles, identities, sessions and browser orders, then replays its stored
 * events in the order they happened, in one transaction. Imported and server-confirmed orders,
 * and refunds without an order, are kept and counted again. Returns the number of events replayed.
 */
export function rebuildProfiles(db: Db, site: Pick<SiteConfig, 'key' | 'currency'>): number {
  return db.transaction((tx) => {
    for (const table of [profiles, identities, sessions]) tx.delete(table).where(eq(table.siteKey, site.key)).run();
    // Browser orders are recreated from their events; the backend's confirmations must survive that.
    const confirmed = tx
      .select({ transactionId: orders.transactionId })
      .from(orders)
      .where(sql`${orders.siteKey} = ${site.key} AND ${orders.source} = 'browser' AND ${orders.confirmed} = 1`)
      .all()
      .map((order) => order.transactionId);
    tx.delete(orders).where(sql`${orders.siteKey} = ${site.key} AND ${orders.source} = 'browser'`).run();

    // Pages of events, so memory does not grow with the table; a statement cannot stay open
    // while the same connection writes.
    let replayed = 0;
    let after = { occurredAt: Number.MIN_SAFE_INTEGER, rowid: -1 };
    for (;;) {
      const page = tx
        .select({ row: events, rowid: sql<number>`rowid` })
        .from(events)
        .where(
          sql`${events.siteKey} = ${site.key} AND (${events.occurredAt}, rowid) > (${after.occurredAt}, ${after.rowid})`,
        )
        .orderBy(asc(events.occurredAt), asc(sql`rowid`))
        .limit(PAGE_SIZE)
        .all();
      for (const { row } of page) applyEvent(tx, site, toProfileEvent(row));
      replayed += page.length;
      const last = page.at(-1);
      if (!last || page.length < PAGE_SIZE) break;
      after = { occurredAt: last.row.occurredAt, rowid: last.rowid };
    }

    for (const order of tx.select().from(orders).where(sql`${orders.siteKey} = ${site.key} AND ${orders.source} != 'browser'`).all()) {
      const userId = order.profileId.startsWith('u:') ? order.profileId.slice(2) : null;
      const totals = { placedAt: order.placedAt, currency: order.currency, value: order.value, items: JSON.parse(order.items) as Item[] };
      updateProfile(tx, site.key, order.profileId, userId, order.placedAt, (profile) => addOrder(profile, totals, site.currency));
    }
    for (const transactionId of confirmed) {
      tx.update(orders).set({ confirmed: 1 }).where(sql`${orders.siteKey} = ${site.key} AND ${orders.transactionId} = ${transactionId}`).run();
    }
    for (const refund of tx.select().from(refunds).where(eq(refunds.siteKey, site.key)).all()) {
      updateProfile(tx, site.key, refund.profileId, null, refund.refundedAt, (profile) => addRefund(profile, refund.amount, refund.currency, site.currency));
    }
    return replayed;
  }, IMMEDIATE);
}
