import { randomUUID } from 'node:crypto';
import type { SiteConfig } from '../config/schema.js';
import type { Db } from '../db/open.js';
import type { OfferCatalog } from './catalog.js';
import { decide, type Decision } from './decide.js';
import { computeFacts, findProfileId, type FactsRequest } from './facts.js';
import type { CommitQueue } from '../ingest/commit-queue.js';
import { keptAssignments, recordDecision, servedCounts, visitorIdsOf, writeDecision, type DecisionRecord } from './history.js';

export interface VisitorRequest extends FactsRequest {
  pageId?: string | undefined;
  forced?: { offerId: string; variant?: string | undefined } | undefined;
}

export interface DecisionOutcome extends Decision {
  decisionId: string;
  /** The visitor's profile, or undefined for a visitor the site has not seen. */
  profileId: string | undefined;
  facts: ReturnType<typeof computeFacts>;
}

/**
 * Decides the offer for one visitor from their profile, their kept assignments and what they have
 * been served. `record` selects where the decision is stored. `true` stores it at once in a
 * transaction of its own, and a commit queue stores it in the next group commit, so the response
 * does not wait for a commit. `false` stores nothing, for an explanation to the admin.
 */
export function decideForVisitor(db: Db, site: SiteConfig, catalog: OfferCatalog, request: VisitorRequest, record: boolean | CommitQueue = true): DecisionOutcome {
  const profileId = findProfileId(db, site.key, request.visitorId);
  const visitorIds = visitorIdsOf(db, site.key, request.visitorId, profileId);
  // Caps count the visitor's earlier decisions, so one still waiting for its commit is committed first.
  if (typeof record === 'object' && visitorIds.some((id) => record.isPending(pendingKey(site.key, id)))) record.flush();
  const facts = computeFacts(db, site, profileId, request);
  const decision = decide(catalog.list(site.key), {
    siteKey: site.key,
    subject: request.visitorId,
    facts,
    now: request.now,
    settings: site.offerSettings,
    served: servedCounts(db, site.key, visitorIds, { now: request.now, sessionId: request.sessionId, pageId: request.pageId }),
    kept: keptAssignments(db, site.key, visitorIds),
    forced: request.forced,
  });

  const decisionId = randomUUID();
  const stored: DecisionRecord = {
    id: decisionId,
    siteKey: site.key,
    visitorId: request.visitorId,
    sessionId: request.sessionId,
    pageId: request.pageId,
    placement: request.placement,
    decidedAt: request.now,
  };
  if (record === true) recordDecision(db, stored, decision);
  else if (record) record.defer((tx) => writeDecision(tx, stored, decision), pendingKey(site.key, request.visitorId));
  return { ...decision, decisionId, profileId, facts };
}

const pendingKey = (siteKey: string, visitorId: string) => `decision\u0000${siteKey}\u0000${visitorId}`;
