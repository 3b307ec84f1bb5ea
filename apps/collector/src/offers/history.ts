import { and, eq, inArray, sql } from 'drizzle-orm';
import type { OfferGroup } from '@patron/protocol';
import type { Db } from '../db/open.js';
import { assignments, decisions, identities } from '../db/schema.js';
import { noneServed, type Decision, type KeptAssignment, type ServedCounts } from './decide.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Returns every visitor id of the visitor's profile, the visitor's own first. Assignments and caps
 * follow the person across devices and across identify, because they are looked up by all of them.
 */
export function visitorIdsOf(db: Db, siteKey: string, visitorId: string, profileId: string | undefined): string[] {
  if (!profileId) return [visitorId];
  const linked = db
    .select({ visitorId: identities.visitorId })
    .from(identities)
    .where(and(eq(identities.siteKey, siteKey), eq(identities.profileId, profileId)))
    .all()
    .map((row) => row.visitorId);
  return [visitorId, ...linked.filter((id) => id !== visitorId)];
}

/** Returns the kept assignments of the visitor ids by offer; the earliest one wins when ids disagree. */
export function keptAssignments(db: Db, siteKey: string, visitorIds: string[]): Map<string, KeptAssignment> {
  const rows = db
    .select()
    .from(assignments)
    .where(and(eq(assignments.siteKey, siteKey), inArray(assignments.visitorId, visitorIds)))
    .orderBy(assignments.assignedAt)
    .all();
  const kept = new Map<string, KeptAssignment>();
  for (const row of rows) {
    if (!kept.has(row.offerId)) kept.set(row.offerId, { variant: row.variant, group: row.groupName as OfferGroup });
  }
  return kept;
}

export interface ServedWindow {
  now: number;
  sessionId?: string | undefined;
  pageId?: string | undefined;
}

/**
 * Counts the decisions that served each offer to the visitor ids, shown or held back as control,
 * in each cap's window, and across all offers. Forced previews do not count.
 */
export function servedCounts(db: Db, siteKey: string, visitorIds: string[], window: ServedWindow) {
  const rows = db
    .select({
      offerId: decisions.offerId,
      lifetime: sql<number>`count(*)`,
      perWeek: sql<number>`sum(${decisions.decidedAt} >= ${window.now - 7 * DAY_MS})`,
      perDay: sql<number>`sum(${decisions.decidedAt} >= ${window.now - DAY_MS})`,
      perSession: sql<number>`sum(${decisions.sessionId} is not null and ${decisions.sessionId} = ${window.sessionId ?? null})`,
      perPageView: sql<number>`sum(${decisions.pageId} is not null and ${decisions.pageId} = ${window.pageId ?? null})`,
    })
    .from(decisions)
    .where(
      and(
        eq(decisions.siteKey, siteKey),
        inArray(decisions.visitorId, visitorIds),
        inArray(decisions.groupName, ['treatment', 'control']),
        eq(decisions.forced, 0),
      ),
    )
    .groupBy(decisions.offerId)
    .all();

  const byOffer = new Map<string, ServedCounts>();
  const total: ServedCounts = { ...noneServed };
  for (const { offerId, ...counts } of rows) {
    const served: ServedCounts = {
      lifetime: counts.lifetime,
      perWeek: counts.perWeek ?? 0,
      perDay: counts.perDay ?? 0,
      perSession: counts.perSession ?? 0,
      perPageView: counts.perPageView ?? 0,
    };
    if (offerId) byOffer.set(offerId, served);
    for (const key of Object.keys(total) as Array<keyof ServedCounts>) total[key] += served[key];
  }
  return { byOffer, total };
}

export interface DecisionRecord {
  id: string;
  siteKey: string;
  visitorId: string;
  sessionId?: string | undefined;
  pageId?: string | undefined;
  placement?: string | undefined;
  decidedAt: number;
}

/** Stores the decision and the assignments it made, in one transaction. */
export function recordDecision(db: Db, record: DecisionRecord, decision: Decision): void {
  db.transaction((tx) => {
    tx.insert(decisions)
      .values({
        id: record.id,
        siteKey: record.siteKey,
        visitorId: record.visitorId,
        sessionId: record.sessionId ?? null,
        pageId: record.pageId ?? null,
        placement: record.placement ?? null,
        offerId: decision.assignment?.offerId ?? (decision.forced ? decision.offer?.id ?? null : null),
        variant: decision.assignment?.variant ?? (decision.forced ? decision.offer?.variant ?? null : null),
        groupName: decision.assignment?.group ?? null,
        forced: decision.forced ? 1 : 0,
        reasons: JSON.stringify(decision.explanation),
        decidedAt: record.decidedAt,
      })
      .run();
    for (const made of decision.assign) {
      const values = { variant: made.variant, groupName: made.group, assignedAt: record.decidedAt };
      tx.insert(assignments)
        .values({ siteKey: record.siteKey, visitorId: record.visitorId, offerId: made.offerId, ...values })
        .onConflictDoUpdate({ target: [assignments.siteKey, assignments.visitorId, assignments.offerId], set: values })
        .run();
    }
  });
}
