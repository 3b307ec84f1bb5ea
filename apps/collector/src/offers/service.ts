import { randomUUID } from 'node:crypto';
import type { SiteConfig } from '../config/schema.js';
import type { Db } from '../db/open.js';
import type { OfferCatalog } from './catalog.js';
import { decide, type Decision } from './decide.js';
import { computeFacts, findProfileId, type FactsRequest } from './facts.js';
import { keptAssignments, recordDecision, servedCounts, visitorIdsOf } from './history.js';

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
 * been served, and records the decision unless `record` is false (an explanation for the admin).
 */
export function decideForVisitor(db: Db, site: SiteConfig, catalog: OfferCatalog, request: VisitorRequest, record = true): DecisionOutcome {
  const profileId = findProfileId(db, site.key, request.visitorId);
  const visitorIds = visitorIdsOf(db, site.key, request.visitorId, profileId);
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
  if (record) {
    recordDecision(
      db,
      {
        id: decisionId,
        siteKey: site.key,
        visitorId: request.visitorId,
        sessionId: request.sessionId,
        pageId: request.pageId,
        placement: request.placement,
        decidedAt: request.now,
      },
      decision,
    );
  }
  return { ...decision, decisionId, profileId, facts };
}
