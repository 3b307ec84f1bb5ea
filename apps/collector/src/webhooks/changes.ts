import { and, eq, gte, gt, lte, ne } from 'drizzle-orm';
import type { SiteConfig } from '../config/schema.js';
import { type Db, IMMEDIATE } from '../db/open.js';
import { profiles, segmentMoves, webhookMarks } from '../db/schema.js';
import { writeInChunks } from '../value/chunks.js';
import { enqueueMoment, isSubscribed } from './enqueue.js';

export type ChangeSite = Pick<SiteConfig, 'key' | 'currency' | 'webhooks' | 'webhookSettings' | 'abandonedCartMinutes'>;

/**
 * Compares every customer's segment, tier and probability of being active with the state last
 * seen, notes segment moves for the dashboard, enqueues `customer.segment_changed`,
 * `customer.tier_changed` and `customer.lapsing` for subscribed endpoints, and stores the new
 * state. A customer seen for the first time is stored without a move or moment, so the first run
 * after an import announces nothing. Returns the moments enqueued.
 */
export function enqueueValueChanges(db: Db, site: ChangeSite, now = Date.now()): number {
  const threshold = site.webhookSettings.lapsingBelow;
  let enqueued = 0;

  // Read first, outside any write transaction, then write only the customers whose state changed
  // in transactions of 500, so that ingestion waits for the write lock at most one such chunk.
  const rows = db
    .select({ profile: profiles, mark: webhookMarks })
    .from(profiles)
    .leftJoin(webhookMarks, and(eq(webhookMarks.siteKey, profiles.siteKey), eq(webhookMarks.profileId, profiles.id)))
    .where(and(eq(profiles.siteKey, site.key), gt(profiles.orders, 0)))
    .all()
    .map(({ profile, mark }) => {
      const lapsing = profile.probabilityAlive !== null && profile.probabilityAlive < threshold ? 1 : 0;
      return { profile, mark, state: { segment: profile.segment, tier: profile.tier, lapsing } };
    })
    .filter(({ mark, state }) => !mark || mark.segment !== state.segment || mark.tier !== state.tier || mark.lapsing !== state.lapsing);

  writeInChunks(db, rows, ({ profile, mark, state }) => {
    if (mark) {
      const computedAt = profile.rfm ? (JSON.parse(profile.rfm) as { computedAt: number }).computedAt : now;
      if (mark.segment !== profile.segment) {
        db.insert(segmentMoves).values({ siteKey: site.key, profileId: profile.id, fromSegment: mark.segment, toSegment: profile.segment, movedAt: now }).run();
        const data = { previousSegment: mark.segment, segment: profile.segment };
        enqueued += enqueueMoment(db, site, { event: 'customer.segment_changed', dedupeKey: `segment:${profile.id}:${computedAt}`, profile, data, at: now }, now);
      }
      if (mark.tier !== profile.tier) {
        const data = { previousTier: mark.tier, tier: profile.tier };
        enqueued += enqueueMoment(db, site, { event: 'customer.tier_changed', dedupeKey: `tier:${profile.id}:${computedAt}`, profile, data, at: now }, now);
      }
      if (state.lapsing && !mark.lapsing) {
        const data = { probabilityAlive: profile.probabilityAlive, threshold };
        enqueued += enqueueMoment(db, site, { event: 'customer.lapsing', dedupeKey: `lapsing:${profile.id}:${now}`, profile, data, at: now }, now);
      }
    }
    db.insert(webhookMarks)
      .values({ siteKey: site.key, profileId: profile.id, ...state })
      .onConflictDoUpdate({ target: [webhookMarks.siteKey, webhookMarks.profileId], set: state })
      .run();
  });
  return enqueued;
}

/**
 * Enqueues `cart.abandoned` for carts with items last changed between `abandonedCartMinutes` and
 * that plus `abandonedCartWindowHours` ago, once per cart change. Carts abandoned earlier, such as
 * before the collector started, are not announced.
 */
export function enqueueAbandonedCarts(db: Db, site: ChangeSite, now = Date.now()): number {
  if (!isSubscribed(site, 'cart.abandoned')) return 0;
  const newest = now - site.abandonedCartMinutes * 60_000;
  const oldest = newest - site.webhookSettings.abandonedCartWindowHours * 60 * 60_000;
  let enqueued = 0;

  db.transaction((tx) => {
    const carts = tx
      .select()
      .from(profiles)
      .where(and(eq(profiles.siteKey, site.key), gte(profiles.cartUpdatedAt, oldest), lte(profiles.cartUpdatedAt, newest), ne(profiles.cart, '[]')))
      .all();
    for (const profile of carts) {
      const data = { abandonedAt: new Date(profile.cartUpdatedAt!).toISOString() };
      const dedupeKey = `cart:${profile.id}:${profile.cartUpdatedAt}`;
      enqueued += enqueueMoment(tx, site, { event: 'cart.abandoned', dedupeKey, profile, data, at: profile.cartUpdatedAt! + site.abandonedCartMinutes * 60_000 }, now);
    }
  }, IMMEDIATE);
  return enqueued;
}
