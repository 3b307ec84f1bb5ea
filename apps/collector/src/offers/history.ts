import type { OfferGroup } from '@patron/protocol';
import type { Db, Tx } from '../db/open.js';
import { prepared } from '../db/prepared.js';
import { noneServed, type Decision, type KeptAssignment, type ServedCounts } from './decide.js';

const DAY_MS = 24 * 60 * 60 * 1000;

const keptSql = `SELECT offer_id AS offerId, variant, group_name AS groupName FROM assignments
  WHERE site_key = ? AND visitor_id IN (SELECT value FROM json_each(?)) ORDER BY assigned_at`;

const servedSql = `SELECT offer_id AS offerId,
    count(*) AS lifetime,
    sum(decided_at >= @week) AS perWeek,
    sum(decided_at >= @day) AS perDay,
    sum(session_id IS NOT NULL AND session_id = @session) AS perSession,
    sum(page_id IS NOT NULL AND page_id = @page) AS perPageView
  FROM decisions
  WHERE site_key = @site AND visitor_id IN (SELECT value FROM json_each(@visitorIds))
    AND group_name IN ('treatment', 'control') AND forced = 0
  GROUP BY offer_id`;

/**
 * Returns every visitor id of the visitor's profile, the visitor's own first. Assignments and caps
 * follow the person across devices and across identify, because they are looked up by all of them.
 */
export function visitorIdsOf(db: Db, siteKey: string, visitorId: string, profileId: string | undefined): string[] {
  if (!profileId) return [visitorId];
  const linked = (prepared(db, 'SELECT visitor_id AS visitorId FROM identities WHERE site_key = ? AND profile_id = ?').all(siteKey, profileId) as Array<{ visitorId: string }>).map(
    (row) => row.visitorId,
  );
  return [visitorId, ...linked.filter((id) => id !== visitorId)];
}

/** Returns the kept assignments of the visitor ids by offer; the earliest one wins when ids disagree. */
export function keptAssignments(db: Db, siteKey: string, visitorIds: string[]): Map<string, KeptAssignment> {
  // The ids go in as one JSON array, so a single prepared statement serves any number of them.
  const rows = prepared(db, keptSql).all(siteKey, JSON.stringify(visitorIds)) as Array<{ offerId: string; variant: string | null; groupName: string }>;
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
  const rows = prepared(db, servedSql).all({
    site: siteKey,
    visitorIds: JSON.stringify(visitorIds),
    week: window.now - 7 * DAY_MS,
    day: window.now - DAY_MS,
    session: window.sessionId ?? null,
    page: window.pageId ?? null,
  }) as Array<{ offerId: string | null } & ServedCounts>;

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

const insertDecision = `INSERT INTO decisions (id, site_key, visitor_id, session_id, page_id, placement, offer_id, variant, group_name, forced, reasons, decided_at)
  VALUES (@id, @siteKey, @visitorId, @sessionId, @pageId, @placement, @offerId, @variant, @groupName, @forced, @reasons, @decidedAt)`;
const upsertAssignment = `INSERT INTO assignments (site_key, visitor_id, offer_id, variant, group_name, assigned_at) VALUES (?, ?, ?, ?, ?, ?)
  ON CONFLICT (site_key, visitor_id, offer_id) DO UPDATE SET variant = excluded.variant, group_name = excluded.group_name, assigned_at = excluded.assigned_at`;

/** Writes the decision's row and the assignments it made, within the caller's transaction. */
export function writeDecision(tx: Tx, record: DecisionRecord, decision: Decision): void {
  prepared(tx, insertDecision).run({
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
  });
  for (const made of decision.assign) {
    prepared(tx, upsertAssignment).run(record.siteKey, record.visitorId, made.offerId, made.variant, made.group, record.decidedAt);
  }
}

/**
 * Stores the decision in a transaction of its own that commits with `synchronous = NORMAL`,
 * without waiting for the disk. A decision is not data a client was promised, and the next event
 * commit, with the connection's usual FULL setting, syncs it to disk too. A power cut can lose the
 * last decisions, and their assignments are then made again by the same hashes.
 */
export function recordDecision(db: Db, record: DecisionRecord, decision: Decision): void {
  const connection = db.$client;
  connection.pragma('synchronous = NORMAL');
  try {
    connection.transaction(() => writeDecision(db, record, decision)).immediate();
  } finally {
    connection.pragma('synchronous = FULL');
  }
}
