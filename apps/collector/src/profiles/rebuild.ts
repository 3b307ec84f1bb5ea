import { asc, eq, sql } from 'drizzle-orm';
import type { SiteConfig } from '../config/schema.js';
import type { Db } from '../db/open.js';
import { events, identities, orders, profiles, sessions } from '../db/schema.js';
import { applyEvent } from './apply.js';

const PAGE_SIZE = 5000;
import { toProfileEvent } from './event.js';

/**
 * Deletes a site's profiles, identities, sessions and browser orders, then replays its stored
 * events in the order they happened, in one transaction. Imported and server-confirmed orders are
 * kept. Returns the number of events replayed.
 */
export function rebuildProfiles(db: Db, site: Pick<SiteConfig, 'key' | 'currency'>): number {
  return db.transaction((tx) => {
    for (const table of [profiles, identities, sessions]) tx.delete(table).where(eq(table.siteKey, site.key)).run();
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
      if (!last || page.length < PAGE_SIZE) return replayed;
      after = { occurredAt: last.row.occurredAt, rowid: last.rowid };
    }
  });
}
