import type { Event } from '@patron/protocol';
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
