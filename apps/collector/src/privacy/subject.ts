import { and, eq, inArray, or } from 'drizzle-orm';
import { type Db, IMMEDIATE } from '../db/open.js';
import { assignments, decisions, events, identities, offerEvents, orders, profiles, quarantine, refunds, sessions, webhookDeliveries, webhookMarks } from '../db/schema.js';

/** Everything a site stores about one person, for an access request. */
export interface SubjectData {
  profileId: string;
  visitorIds: string[];
  profile: unknown;
  events: unknown[];
  orders: unknown[];
  refunds: unknown[];
  sessions: unknown[];
  decisions: unknown[];
  offerAssignments: unknown[];
  offerEvents: unknown[];
  webhookDeliveries: unknown[];
  quarantinedEvents: unknown[];
}

/**
 * Finds the visitor ids of a person: those linked to the profile, plus the id itself when it is a
 * visitor profile. Returns undefined when the site has never seen the profile.
 */
function visitorIdsOf(db: Db, siteKey: string, profileId: string): string[] | undefined {
  const linked = db
    .select({ visitorId: identities.visitorId })
    .from(identities)
    .where(and(eq(identities.siteKey, siteKey), eq(identities.profileId, profileId)))
    .all()
    .map((row) => row.visitorId);
  const own = profileId.startsWith('v:') ? [profileId.slice(2)] : [];
  const exists = db.select({ id: profiles.id }).from(profiles).where(and(eq(profiles.siteKey, siteKey), eq(profiles.id, profileId))).get();
  if (!exists && linked.length === 0) return undefined;
  return [...new Set([...linked, ...own])];
}

/** Quarantined events whose payload names one of the visitor ids or the user id. */
function quarantinedOf(db: Db, siteKey: string, visitorIds: string[], userId: string | undefined) {
  return db
    .select()
    .from(quarantine)
    .where(eq(quarantine.siteKey, siteKey))
    .all()
    .filter((row) => {
      const payload = safeParse(row.payload);
      return (
        (typeof payload?.visitorId === 'string' && visitorIds.includes(payload.visitorId)) ||
        (userId !== undefined && payload?.userId === userId)
      );
    });
}

const safeParse = (text: string): Record<string, unknown> | undefined => {
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
};

/** The profile id and the anonymous profile ids its visitor ids had before they were merged into it. */
const profileIdsOf = (profileId: string, visitorIds: string[]) => [...new Set([profileId, ...visitorIds.map((visitorId) => `v:${visitorId}`)])];

const userIdOf = (profileId: string) => (profileId.startsWith('u:') ? profileId.slice(2) : undefined);

/** Collects everything held about a profile (`u:<user id>` or `v:<visitor id>`); undefined when unknown. */
export function exportSubject(db: Db, siteKey: string, profileId: string): SubjectData | undefined {
  const visitorIds = visitorIdsOf(db, siteKey, profileId);
  if (!visitorIds) return undefined;
  const userId = userIdOf(profileId);
  const eventsOf = or(inArray(events.visitorId, visitorIds), userId ? eq(events.userId, userId) : undefined);
  return {
    profileId,
    visitorIds,
    profile: db.select().from(profiles).where(and(eq(profiles.siteKey, siteKey), eq(profiles.id, profileId))).get() ?? null,
    events: db.select().from(events).where(and(eq(events.siteKey, siteKey), eventsOf)).all(),
    orders: db.select().from(orders).where(and(eq(orders.siteKey, siteKey), eq(orders.profileId, profileId))).all(),
    refunds: db.select().from(refunds).where(and(eq(refunds.siteKey, siteKey), eq(refunds.profileId, profileId))).all(),
    sessions: db.select().from(sessions).where(and(eq(sessions.siteKey, siteKey), eq(sessions.profileId, profileId))).all(),
    decisions: db.select().from(decisions).where(and(eq(decisions.siteKey, siteKey), inArray(decisions.visitorId, visitorIds))).all(),
    offerAssignments: db.select().from(assignments).where(and(eq(assignments.siteKey, siteKey), inArray(assignments.visitorId, visitorIds))).all(),
    offerEvents: db.select().from(offerEvents).where(and(eq(offerEvents.siteKey, siteKey), inArray(offerEvents.visitorId, visitorIds))).all(),
    webhookDeliveries: db.select().from(webhookDeliveries).where(and(eq(webhookDeliveries.siteKey, siteKey), inArray(webhookDeliveries.profileId, profileIdsOf(profileId, visitorIds)))).all(),
    quarantinedEvents: quarantinedOf(db, siteKey, visitorIds, userId),
  };
}

/**
 * Deletes every row that belongs to a profile: its events (by visitor id and by user id), orders,
 * refunds, sessions, offer decisions, assignments and exposures, webhook deliveries (sent or not),
 * identities, quarantined events and the profile itself, in
 * one transaction. Returns the rows deleted per table, or undefined when the profile is unknown.
 */
export function eraseSubject(db: Db, siteKey: string, profileId: string): Record<string, number> | undefined {
  const visitorIds = visitorIdsOf(db, siteKey, profileId);
  if (!visitorIds) return undefined;
  const userId = userIdOf(profileId);
  return db.transaction((tx) => {
    const deleted: Record<string, number> = {};
    const eventsOf = or(inArray(events.visitorId, visitorIds), userId ? eq(events.userId, userId) : undefined);
    deleted.events = tx.delete(events).where(and(eq(events.siteKey, siteKey), eventsOf)).run().changes;
    deleted.orders = tx.delete(orders).where(and(eq(orders.siteKey, siteKey), eq(orders.profileId, profileId))).run().changes;
    deleted.refunds = tx.delete(refunds).where(and(eq(refunds.siteKey, siteKey), eq(refunds.profileId, profileId))).run().changes;
    deleted.sessions = tx.delete(sessions).where(and(eq(sessions.siteKey, siteKey), eq(sessions.profileId, profileId))).run().changes;
    deleted.decisions = tx.delete(decisions).where(and(eq(decisions.siteKey, siteKey), inArray(decisions.visitorId, visitorIds))).run().changes;
    deleted.offerAssignments = tx.delete(assignments).where(and(eq(assignments.siteKey, siteKey), inArray(assignments.visitorId, visitorIds))).run().changes;
    deleted.offerEvents = tx.delete(offerEvents).where(and(eq(offerEvents.siteKey, siteKey), inArray(offerEvents.visitorId, visitorIds))).run().changes;
    const profileIds = profileIdsOf(profileId, visitorIds);
    deleted.webhookDeliveries = tx.delete(webhookDeliveries).where(and(eq(webhookDeliveries.siteKey, siteKey), inArray(webhookDeliveries.profileId, profileIds))).run().changes;
    deleted.webhookMarks = tx.delete(webhookMarks).where(and(eq(webhookMarks.siteKey, siteKey), inArray(webhookMarks.profileId, profileIds))).run().changes;
    deleted.identities = tx.delete(identities).where(and(eq(identities.siteKey, siteKey), eq(identities.profileId, profileId))).run().changes;
    const quarantined = quarantinedOf(db, siteKey, visitorIds, userId).map((row) => row.id);
    deleted.quarantinedEvents = quarantined.length ? tx.delete(quarantine).where(inArray(quarantine.id, quarantined)).run().changes : 0;
    deleted.profiles = tx.delete(profiles).where(and(eq(profiles.siteKey, siteKey), eq(profiles.id, profileId))).run().changes;
    return deleted;
  }, IMMEDIATE);
}
