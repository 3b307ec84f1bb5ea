import type { Event, Issue } from '@patron/protocol';
import { prepared } from '../db/prepared.js';
import type { Tx } from '../db/open.js';
import { offerEvents } from '../db/schema.js';

type OfferEvent = Extract<Event, { type: 'offer_exposure' | 'offer_click' | 'offer_dismiss' }>;

export const isOfferEvent = (event: Event): event is OfferEvent =>
  event.type === 'offer_exposure' || event.type === 'offer_click' || event.type === 'offer_dismiss';

/** Copies an accepted offer event to the table the offer reports read, in the caller's transaction. */
export function recordOfferEvent(tx: Tx, siteKey: string, event: OfferEvent, occurredAt: number): void {
  tx.insert(offerEvents)
    .values({
      siteKey,
      eventId: event.id,
      type: event.type,
      visitorId: event.visitorId,
      sessionId: event.sessionId,
      decisionId: event.decisionId,
      offerId: event.offerId ?? null,
      variant: event.variant ?? null,
      groupName: event.group,
      occurredAt,
    })
    .onConflictDoNothing()
    .run();
}

const decisionSql = 'SELECT visitor_id AS visitorId, offer_id AS offerId, variant, group_name AS groupName, forced FROM decisions WHERE id = ? AND site_key = ?';

/**
 * Returns why an offer event cannot be counted, or undefined when it matches a decision the
 * collector made for the same visitor: same offer, variant and group, and not a preview. Without
 * this check any browser could invent exposures and steer the offer reports.
 */
export function offerEventProblem(tx: Tx, siteKey: string, event: OfferEvent): Issue | undefined {
  const decision = prepared(tx, decisionSql).get(event.decisionId, siteKey) as
    | { visitorId: string; offerId: string | null; variant: string | null; groupName: string | null; forced: number }
    | undefined;
  const issue = (message: string): Issue => ({ path: 'decisionId', message });
  if (!decision || decision.visitorId !== event.visitorId) return issue('does not name a decision the collector made for this visitor');
  if (decision.forced) return issue('names a forced preview, which is not recorded');
  const group = event.type === 'offer_exposure' ? decision.groupName : 'treatment';
  if (decision.groupName !== group || event.group !== group || (event.offerId ?? null) !== decision.offerId || (event.variant ?? null) !== (decision.variant ?? null)) {
    return issue(`does not match the decision's offer, variant and group (${decision.offerId ?? 'none'}, ${decision.variant ?? 'none'}, ${decision.groupName ?? 'none'})`);
  }
  return undefined;
}
