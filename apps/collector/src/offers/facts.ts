import { fromMinorUnits } from '@patron/protocol';
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/open.js';
import { identities, orders, profiles, sessions } from '../db/schema.js';
import { cartQuantity, type CartLine } from '../profiles/cart.js';
import type { Facts } from './conditions.js';

export interface FactsRequest {
  siteKey: string;
  visitorId: string;
  sessionId?: string | undefined;
  placement?: string | undefined;
  currency: string;
}

/** Computes a visitor's facts from their profile; a visitor the site has not seen has none. */
export function computeFacts(db: Db, request: FactsRequest): Facts {
  const { siteKey, sessionId } = request;
  const profileId = db
    .select({ profileId: identities.profileId })
    .from(identities)
    .where(and(eq(identities.siteKey, siteKey), eq(identities.visitorId, request.visitorId)))
    .get()?.profileId;
  const profile = profileId
    ? db.select().from(profiles).where(and(eq(profiles.siteKey, siteKey), eq(profiles.id, profileId))).get()
    : undefined;

  const otherSessions = (column: typeof sessions.id | typeof orders.sessionId) =>
    sessionId === undefined ? sql`1` : sql`coalesce(${column}, '') != ${sessionId}`;
  const count = (table: typeof sessions | typeof orders, where: ReturnType<typeof and>) =>
    db.select({ n: sql<number>`count(*)` }).from(table).where(where).get()?.n ?? 0;
  const earlierSessions = profile
    ? count(sessions, and(eq(sessions.siteKey, siteKey), eq(sessions.profileId, profile.id), otherSessions(sessions.id)))
    : 0;
  const ordersBeforeThisSession = profile
    ? count(orders, and(eq(orders.siteKey, siteKey), eq(orders.profileId, profile.id), otherSessions(orders.sessionId)))
    : 0;

  return {
    'cart.quantity': profile ? cartQuantity(JSON.parse(profile.cart) as CartLine[]) : 0,
    'cart.value': Number(fromMinorUnits(profile?.cartValue ?? 0, request.currency)),
    'orders.count': profile?.orders ?? 0,
    'orders.beforeThisSession': ordersBeforeThisSession,
    'visitor.sessions': earlierSessions + (sessionId === undefined ? 0 : 1),
    'visitor.returning': earlierSessions > 0,
    'customer.segment': profile?.segment ?? null,
    'customer.tier': profile?.tier ?? null,
    'customer.probabilityAlive': profile?.probabilityAlive ?? null,
    'customer.predictedValue': profile?.predictedValue == null ? null : Number(fromMinorUnits(profile.predictedValue, request.currency)),
    placement: request.placement ?? null,
  };
}
