import { fromMinorUnits, type Item } from '@patron/protocol';
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/open.js';
import { events } from '../db/schema.js';
import type { Facts } from './conditions.js';

export interface FactsRequest {
  siteKey: string;
  visitorId: string;
  sessionId?: string | undefined;
  placement?: string | undefined;
  currency: string;
}

/**
 * Computes a visitor's facts from the stored events.
 *
 * NOTE: this reads the visitor's cart and order events on every decision; kept profiles will
 * replace it once they exist.
 */
export function computeFacts(db: Db, request: FactsRequest): Facts {
  const visitor = and(eq(events.siteKey, request.siteKey), eq(events.visitorId, request.visitorId));

  const sessions = db
    .select({ sessionId: events.sessionId })
    .from(events)
    .where(visitor)
    .groupBy(events.sessionId)
    .all()
    .map((row) => row.sessionId);
  if (request.sessionId && !sessions.includes(request.sessionId)) sessions.push(request.sessionId);
  const earlierSessions = sessions.filter((id) => id !== request.sessionId);

  const commerce = db
    .select({ type: events.type, sessionId: events.sessionId, items: events.items })
    .from(events)
    .where(and(visitor, inArray(events.type, ['add_to_cart', 'remove_from_cart', 'purchase'])))
    .orderBy(asc(events.occurredAt), asc(sql`rowid`))
    .all();

  let orders = 0;
  let ordersBeforeThisSession = 0;
  let cart = new Map<string, { quantity: number; price: number }>();
  for (const row of commerce) {
    if (row.type === 'purchase') {
      orders++;
      if (row.sessionId !== request.sessionId) ordersBeforeThisSession++;
      cart = new Map();
      continue;
    }
    const sign = row.type === 'add_to_cart' ? 1 : -1;
    for (const item of JSON.parse(row.items ?? '[]') as Item[]) {
      const line = cart.get(item.id) ?? { quantity: 0, price: item.price };
      line.quantity = Math.max(0, line.quantity + sign * item.quantity);
      line.price = item.price;
      cart.set(item.id, line);
    }
  }

  let quantity = 0;
  let valueMinor = 0;
  for (const line of cart.values()) {
    quantity += line.quantity;
    valueMinor += line.quantity * line.price;
  }

  return {
    'cart.quantity': quantity,
    'cart.value': Number(fromMinorUnits(valueMinor, request.currency)),
    'orders.count': orders,
    'orders.beforeThisSession': ordersBeforeThisSession,
    'visitor.sessions': sessions.length,
    'visitor.returning': earlierSessions.length > 0,
    placement: request.placement ?? null,
  };
}
