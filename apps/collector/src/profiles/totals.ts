import type { Item } from '@patron/protocol';
import { and, eq } from 'drizzle-orm';
import type { Tx } from '../db/open.js';
import { profiles } from '../db/schema.js';

export type ProfileRow = typeof profiles.$inferSelect;

export interface OrderTotals {
  placedAt: number;
  currency: string;
  value: number;
  items: Item[];
}

/** Counts an order in a profile: revenue only in the site's currency, and the products bought. */
export function addOrder(profile: ProfileRow, order: OrderTotals, siteCurrency: string): void {
  profile.orders++;
  if (order.currency === siteCurrency) profile.revenue += order.value;
  profile.firstOrderAt = profile.firstOrderAt === null ? order.placedAt : Math.min(profile.firstOrderAt, order.placedAt);
  profile.lastOrderAt = Math.max(profile.lastOrderAt ?? order.placedAt, order.placedAt);
  profile.firstSeen = Math.min(profile.firstSeen, order.placedAt);
  profile.lastSeen = Math.max(profile.lastSeen, order.placedAt);
  if (order.items.length > 0) {
    const bought = new Set([...(JSON.parse(profile.bought) as string[]), ...order.items.map((item) => item.id)]);
    profile.bought = JSON.stringify([...bought].sort());
  }
}

/** Takes a refund off a profile's revenue, when it is in the site's currency. */
export function addRefund(profile: ProfileRow, amount: number, currency: string, siteCurrency: string): void {
  if (currency !== siteCurrency) return;
  profile.revenue -= amount;
  profile.refunded += amount;
}

/** Creates a profile with nothing counted yet, first seen at `at`. */
export function emptyProfile(siteKey: string, id: string, userId: string | null, at: number): ProfileRow {
  return {
    siteKey,
    id,
    userId,
    firstSeen: at,
    lastSeen: at,
    sessions: 0,
    pageViews: 0,
    productViews: 0,
    orders: 0,
    revenue: 0,
    refunded: 0,
    firstOrderAt: null,
    lastOrderAt: null,
    cart: '[]',
    cartValue: 0,
    cartUpdatedAt: null,
    interests: '{"categories":{},"products":{}}',
    bought: '[]',
    traits: '{}',
    segment: null,
    rfm: null,
    tier: null,
    probabilityAlive: null,
    expectedOrders30: null,
    expectedOrders90: null,
    expectedOrders365: null,
    expectedOrderValue: null,
    predictedValue: null,
  };
}

/** Loads a profile, lets `change` modify it, and writes it back (creating it when missing). */
export function updateProfile(tx: Tx, siteKey: string, id: string, userId: string | null, at: number, change: (profile: ProfileRow) => void): void {
  const key = and(eq(profiles.siteKey, siteKey), eq(profiles.id, id));
  const existing = tx.select().from(profiles).where(key).get();
  const profile = existing ?? emptyProfile(siteKey, id, userId, at);
  change(profile);
  if (existing) tx.update(profiles).set(profile).where(key).run();
  else tx.insert(profiles).values(profile).run();
}
