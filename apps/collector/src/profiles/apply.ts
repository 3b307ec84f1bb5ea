import { and, eq, getTableColumns } from 'drizzle-orm';
import type { SiteConfig } from '../config/schema.js';
import type { Tx } from '../db/open.js';
import { events, orders, profiles } from '../db/schema.js';
import { prepared, rowSql } from '../db/prepared.js';
import { cartValue, changeCart, type CartLine } from './cart.js';
import type { ProfileEvent } from './event.js';
import { resolveProfile } from './identity.js';
import { recordViews, type Interests } from './interests.js';
import { addOrder, addRefund, emptyProfile, updateProfile } from './totals.js';

type ProfileRow = typeof profiles.$inferSelect;

type ProfileField = keyof ProfileRow;

const profileColumns = rowSql(profiles);
const columnNames = Object.fromEntries(Object.entries(getTableColumns(profiles)).map(([field, column]) => [field, column.name])) as Record<ProfileField, string>;
const setColumns = (fields: readonly ProfileField[]) => fields.map((field) => `"${columnNames[field]}" = @${field}`).join(', ');

/**
 * Columns that page views and product views change. None of them is indexed, so an update that
 * sets only these leaves the profile's index entries (primary key, revenue, segment, cart time) as
 * they are. applyEvent uses it whenever no other column changed.
 */
const counterFields = ['userId', 'firstSeen', 'lastSeen', 'sessions', 'pageViews', 'productViews', 'interests'] as const satisfies readonly ProfileField[];
/** Every other column except the primary key, which an update never changes. */
const otherFields = (Object.keys(columnNames) as ProfileField[]).filter(
  (field) => field !== 'siteKey' && field !== 'id' && !(counterFields as readonly ProfileField[]).includes(field),
);

const profileSql = {
  read: `${profileColumns.select} WHERE site_key = ? AND id = ?`,
  create: profileColumns.insert,
  writeCounters: `UPDATE "profiles" SET ${setColumns(counterFields)} WHERE site_key = @siteKey AND id = @id`,
  write: `UPDATE "profiles" SET ${setColumns([...counterFields, ...otherFields])} WHERE site_key = @siteKey AND id = @id`,
};
const insertSession = 'INSERT INTO sessions (site_key, id, profile_id, started_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING';

/**
 * Updates the profile of the event's visitor with one accepted event. Runs inside the transaction
 * that stores the event, so a profile never counts an event that was not stored.
 *
 * Money counts toward revenue and cart value only in the site's currency.
 */
export function applyEvent(tx: Tx, site: Pick<SiteConfig, 'key' | 'currency'>, event: ProfileEvent): void {
  const siteKey = site.key;
  const profileId = resolveProfile(tx, siteKey, event.visitorId, event.userId);
  const existing = prepared(tx, profileSql.read).get(siteKey, profileId) as ProfileRow | undefined;
  const profile: ProfileRow = existing ?? emptyProfile(siteKey, profileId, event.userId, event.occurredAt);
  const before = otherFields.map((field) => profile[field]);

  profile.firstSeen = Math.min(profile.firstSeen, event.occurredAt);
  profile.lastSeen = Math.max(profile.lastSeen, event.occurredAt);
  if (event.userId) profile.userId = event.userId;

  const newSession = prepared(tx, insertSession).run(siteKey, event.sessionId, profileId, event.occurredAt).changes;
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
      syncRefunds(tx, profile, event.transactionId!, site.currency);
      break;
    case 'identify':
      profile.traits = JSON.stringify({ ...(JSON.parse(profile.traits) as object), ...(event.data.traits as object | undefined) });
      break;
  }

  if (!existing) prepared(tx, profileSql.create).run(profile);
  else if (otherFields.every((field, index) => profile[field] === before[index])) prepared(tx, profileSql.writeCounters).run(profile);
  else prepared(tx, profileSql.write).run(profile);
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
      coupon: typeof event.data.coupon === 'string' ? event.data.coupon : null,
    })
    .onConflictDoNothing()
    .run().changes;
  if (!inserted) return;

  addOrder(profile, { placedAt: event.occurredAt, currency: event.currency!, value: event.value ?? 0, items: event.items }, siteCurrency);
  // Refunds may arrive before their purchase, from a backend or a retried batch.
  syncRefunds(tx, profile, event.transactionId!, siteCurrency);
  // A purchase empties the cart it came from.
  if ((profile.cartUpdatedAt ?? -1) <= event.occurredAt) setCart(profile, [], siteCurrency, event.occurredAt);
}

/** Selects the refund events of one order; the partial index events_refund_transaction serves it. */
export function selectRefunds(tx: Tx, siteKey: string, transactionId: string) {
  return tx
    .select({ value: events.value, currency: events.currency })
    .from(events)
    .where(and(eq(events.siteKey, siteKey), eq(events.type, 'refund'), eq(events.transactionId, transactionId)));
}

/**
 * Brings an order's refunded amount in line with every refund event stored for it, in whatever
 * order purchase and refunds arrived. A refund without a value refunds the whole order. The
 * others add up to at most the order's value, and refunds in another currency are ignored. The
 * change reduces the revenue of the profile that placed the order, and running it twice changes
 * nothing.
 */
function syncRefunds(tx: Tx, profile: ProfileRow, transactionId: string, siteCurrency: string): void {
  const { siteKey } = profile;
  const orderKey = and(eq(orders.siteKey, siteKey), eq(orders.transactionId, transactionId));
  const order = tx.select().from(orders).where(orderKey).get();
  if (!order) return;
  const refundEvents = selectRefunds(tx, siteKey, transactionId)
    .all()
    .filter((refund) => refund.currency === null || refund.currency === order.currency);
  const whole = refundEvents.some((refund) => refund.value === null);
  const refunded = whole ? order.value : Math.min(order.value, refundEvents.reduce((sum, refund) => sum + (refund.value ?? 0), 0));
  const change = refunded - order.refunded;
  if (change === 0) return;
  tx.update(orders).set({ refunded }).where(orderKey).run();

  // The profile being updated is written back by the caller, so change it in place.
  if (order.profileId === profile.id) addRefund(profile, change, order.currency, siteCurrency);
  else updateProfile(tx, siteKey, order.profileId, null, order.placedAt, (owner) => addRefund(owner, change, order.currency, siteCurrency));
}
