import { and, eq } from 'drizzle-orm';
import type { SiteConfig } from '../config/schema.js';
import type { Db } from '../db/open.js';
import { orders, profiles, sessions } from '../db/schema.js';
import { cartValue, changeCart, type CartLine } from './cart.js';
import type { ProfileEvent } from './event.js';
import { resolveProfile } from './identity.js';
import { recordViews, type Interests } from './interests.js';
import { addOrder, addRefund, emptyProfile, updateProfile } from './totals.js';

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0] | Db;
type ProfileRow = typeof profiles.$inferSelect;

/**
 * Updates the profile of the event's visitor with one accepted event. Runs inside the transaction
 * that stores the event, so a profile never counts an event that was not stored.
 *
 * Money counts toward revenue and cart value only in the site's currency.
 */
export function applyEvent(tx: Tx, site: Pick<SiteConfig, 'key' | 'currency'>, event: ProfileEvent): void {
  const siteKey = site.key;
  const profileId = resolveProfile(tx, siteKey, event.visitorId, event.userId);
  const key = and(eq(profiles.siteKey, siteKey), eq(profiles.id, profileId));
  const existing = tx.select().from(profiles).where(key).get();
  const profile: ProfileRow = existing ?? emptyProfile(siteKey, profileId, event.userId, event.occurredAt);

  profile.firstSeen = Math.min(profile.firstSeen, event.occurredAt);
  profile.lastSeen = Math.max(profile.lastSeen, event.occurredAt);
  if (event.userId) profile.userId = event.userId;

  const newSession = tx
    .insert(sessions)
    .values({ siteKey, id: event.sessionId, profileId, startedAt: event.occurredAt })
    .onConflictDoNothing()
    .run().changes;
  profile.sessions += newSession;

  switch (event.type) {
    case 'page_view':
      profile.pageViews++;
      break;
    case 'view_item':
      profile.productViews += event.items.length;
      profile.interests = JSON.stringify(recordViews(JSON.parse(profile.interests) as Interests, event.items, event.occurredAt));
      break;
    case 'add_to_cart':
    case 'remove_from_cart': {
      const cart = changeCart(JSON.parse(profile.cart) as CartLine[], event.items, event.currency ?? site.currency, event.type === 'add_to_cart' ? 1 : -1);
      setCart(profile, cart, site.currency, event.occurredAt);
      break;
    }
    case 'purchase':
      recordOrder(tx, profile, event, site.currency);
      break;
    case 'refund':
      recordRefund(tx, profile, event, site.currency);
      break;
    case 'identify':
      profile.traits = JSON.stringify({ ...(JSON.parse(profile.traits) as object), ...(event.data.traits as object | undefined) });
      break;
  }

  if (existing) tx.update(profiles).set(profile).where(key).run();
  else tx.insert(profiles).values(profile).run();
}

function setCart(profile: ProfileRow, cart: CartLine[], siteCurrency: string, at: number): void {
  profile.cart = JSON.stringify(cart);
  profile.cartValue = cartValue(cart, siteCurrency);
  profile.cartUpdatedAt = at;
}

function recordOrder(tx: Tx, profile: ProfileRow, event: ProfileEvent, siteCurrency: string): void {
  const inserted = tx
    .insert(orders)
    .values({
      siteKey: profile.siteKey,
      transactionId: event.transactionId!,
      profileId: profile.id,
      visitorId: event.visitorId,
      sessionId: event.sessionId,
      placedAt: event.occurredAt,
      currency: event.currency!,
      value: event.value ?? 0,
      items: JSON.stringify(event.items),
      source: 'browser',
    })
    .onConflictDoNothing()
    .run().changes;
  if (!inserted) return;

  addOrder(profile, { placedAt: event.occurredAt, currency: event.currency!, value: event.value ?? 0, items: event.items }, siteCurrency);
  // A purchase empties the cart it came from.
  if ((profile.cartUpdatedAt ?? -1) <= event.occurredAt) setCart(profile, [], siteCurrency, event.occurredAt);
}

/**
 * Reduces the order's refundable remainder by the refund (the whole remainder when the refund
 * names no value) and the revenue of the profile that placed it. A refund of an unknown order is
 * stored as an event and changes no profile.
 */
function recordRefund(tx: Tx, profile: ProfileRow, event: ProfileEvent, siteCurrency: string): void {
  const { siteKey } = profile;
  const orderKey = and(eq(orders.siteKey, siteKey), eq(orders.transactionId, event.transactionId!));
  const order = tx.select().from(orders).where(orderKey).get();
  if (!order || (event.currency !== null && event.currency !== order.currency)) return;
  const amount = Math.min(event.value ?? order.value - order.refunded, order.value - order.refunded);
  if (amount <= 0) return;
  tx.update(orders).set({ refunded: order.refunded + amount }).where(orderKey).run();
  if (order.currency !== siteCurrency) return;

  // The profile being updated is written back by the caller, so change it in place.
  if (order.profileId === profile.id) addRefund(profile, amount, order.currency, siteCurrency);
  else updateProfile(tx, siteKey, order.profileId, null, event.occurredAt, (owner) => addRefund(owner, amount, order.currency, siteCurrency));
}
