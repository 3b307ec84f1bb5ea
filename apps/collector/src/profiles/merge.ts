import type { profiles } from '../db/schema.js';
import { addInterests, type Interests } from './interests.js';

type ProfileRow = typeof profiles.$inferSelect;

/** Combines two optional times with `pick` (Math.min or Math.max); a missing one is ignored. */
function combine(a: number | null, b: number | null, pick: (x: number, y: number) => number): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return pick(a, b);
}

/**
 * Combines two profiles of one person: counts and money add up, first and last times widen, the
 * cart touched last wins, interests add up, and `target`'s traits win over `source`'s.
 */
export function mergeProfileRows(target: ProfileRow, source: ProfileRow): Partial<ProfileRow> {
  const sourceCartIsNewer = (source.cartUpdatedAt ?? -1) > (target.cartUpdatedAt ?? -1);
  const cartOwner = sourceCartIsNewer ? source : target;
  const bought = new Set([...(JSON.parse(target.bought) as string[]), ...(JSON.parse(source.bought) as string[])]);

  return {
    firstSeen: Math.min(target.firstSeen, source.firstSeen),
    lastSeen: Math.max(target.lastSeen, source.lastSeen),
    sessions: target.sessions + source.sessions,
    pageViews: target.pageViews + source.pageViews,
    productViews: target.productViews + source.productViews,
    orders: target.orders + source.orders,
    revenue: target.revenue + source.revenue,
    refunded: target.refunded + source.refunded,
    firstOrderAt: combine(target.firstOrderAt, source.firstOrderAt, Math.min),
    lastOrderAt: combine(target.lastOrderAt, source.lastOrderAt, Math.max),
    cart: cartOwner.cart,
    cartValue: cartOwner.cartValue,
    cartUpdatedAt: cartOwner.cartUpdatedAt,
    interests: JSON.stringify(addInterests(JSON.parse(target.interests) as Interests, JSON.parse(source.interests) as Interests)),
    bought: JSON.stringify([...bought].sort()),
    traits: JSON.stringify({ ...(JSON.parse(source.traits) as object), ...(JSON.parse(target.traits) as object) }),
  };
}
