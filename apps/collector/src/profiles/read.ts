import type { profiles } from '../db/schema.js';
import { cartQuantity, type CartLine } from './cart.js';
import type { Interests } from './interests.js';

type ProfileRow = typeof profiles.$inferSelect;

const DAY_MS = 24 * 60 * 60 * 1000;

/** A profile as the admin API and the command line show it. Money is minor units of the site's currency. */
export interface ProfileView {
  id: string;
  userId: string | null;
  firstSeen: number;
  lastSeen: number;
  sessions: number;
  pageViews: number;
  productViews: number;
  orders: number;
  /** Revenue after refunds. */
  revenue: number;
  refunded: number;
  averageOrderValue: number | null;
  /** Mean days between consecutive orders; null with fewer than two orders. */
  daysBetweenOrders: number | null;
  firstOrderAt: number | null;
  lastOrderAt: number | null;
  cart: { lines: CartLine[]; quantity: number; value: number; updatedAt: number | null; abandoned: boolean };
  interests: Interests;
  /** Products viewed and never bought, most viewed first. */
  viewedNotBought: Array<{ id: string; name: string; views: number }>;
  traits: Record<string, unknown>;
}

/**
 * Describes a stored profile at time `now`. A cart with items counts as abandoned once
 * `abandonedAfterMs` have passed since its last change without a purchase, and stops counting
 * when the visitor buys or empties it.
 */
export function describeProfile(row: ProfileRow, now: number, abandonedAfterMs: number): ProfileView {
  const lines = JSON.parse(row.cart) as CartLine[];
  const interests = JSON.parse(row.interests) as Interests;
  const bought = new Set(JSON.parse(row.bought) as string[]);
  const quantity = cartQuantity(lines);

  return {
    id: row.id,
    userId: row.userId,
    firstSeen: row.firstSeen,
    lastSeen: row.lastSeen,
    sessions: row.sessions,
    pageViews: row.pageViews,
    productViews: row.productViews,
    orders: row.orders,
    revenue: row.revenue,
    refunded: row.refunded,
    averageOrderValue: row.orders > 0 ? Math.round(row.revenue / row.orders) : null,
    daysBetweenOrders:
      row.orders > 1 && row.firstOrderAt !== null && row.lastOrderAt !== null
        ? (row.lastOrderAt - row.firstOrderAt) / DAY_MS / (row.orders - 1)
        : null,
    firstOrderAt: row.firstOrderAt,
    lastOrderAt: row.lastOrderAt,
    cart: {
      lines,
      quantity,
      value: row.cartValue,
      updatedAt: row.cartUpdatedAt,
      abandoned: quantity > 0 && row.cartUpdatedAt !== null && now - row.cartUpdatedAt >= abandonedAfterMs,
    },
    interests,
    viewedNotBought: Object.entries(interests.products)
      .filter(([id]) => !bought.has(id))
      .map(([id, product]) => ({ id, name: product.name, views: product.count }))
      .sort((a, b) => b.views - a.views || a.id.localeCompare(b.id)),
    traits: JSON.parse(row.traits) as Record<string, unknown>,
  };
}
