import { parseEvent, type BatchResult, type Event } from '@patron/protocol';
import type { SiteConfig } from '../config/schema.js';
import type { Tx } from '../db/open.js';
import { events, quarantine } from '../db/schema.js';
import { prepared, rowSql } from '../db/prepared.js';
import { applyEvent } from '../profiles/apply.js';
import { toProfileEvent } from '../profiles/event.js';
import { isOfferEvent, offerEventProblem, recordOfferEvent } from '../offers/events.js';
import { identifyProblem } from '../profiles/verification.js';
import { enqueuePurchaseMoments, type PurchaseSite } from '../webhooks/purchase.js';

export interface IncomingBatch {
  sentAt: number;
  events: unknown[];
}

export type StoreSite = Pick<SiteConfig, 'key' | 'currency' | 'identityVerification' | 'secretKey'> & PurchaseSite;

/** Returns why a valid event must still be rejected: an offer event without its decision, or an unverified identify. */
function eventProblem(tx: Tx, site: StoreSite, event: Event) {
  if (isOfferEvent(event)) return offerEventProblem(tx, site.key, event);
  if (event.type === 'identify') return identifyProblem(site, event.userId, event.userHash);
  return undefined;
}

/**
 * Validates and stores one batch, and updates the visitors' profiles, within the caller's
 * transaction, so the result describes rows that commit together. Events whose id the site
 * already has, and purchases whose transaction id it already has, count as duplicates. Invalid
 * events go to quarantine with their issues.
 */
export function storeBatch(tx: Tx, site: StoreSite, batch: IncomingBatch, receivedAt: number): BatchResult {
  const result: BatchResult = { accepted: 0, duplicates: 0, rejected: [] };
  batch.events.forEach((raw, index) => {
    const parsed = parseEvent(raw);
    const problem = parsed.ok ? eventProblem(tx, site, parsed.event) : undefined;
    if (!parsed.ok || problem) {
      const issues = parsed.ok ? [problem!] : parsed.issues;
      result.rejected.push({ index, issues });
      tx.insert(quarantine)
        .values({
          siteKey: site.key,
          receivedAt,
          batchIndex: index,
          payload: JSON.stringify(raw) ?? 'null',
          issues: JSON.stringify(issues),
        })
        .run();
      return;
    }

    const row = toRow(site.key, parsed.event, batch.sentAt, receivedAt);
    const { changes } = prepared(tx, insertEvent).run(row);
    if (changes === 0) {
      result.duplicates++;
      return;
    }
    result.accepted++;
    const event = toProfileEvent(row);
    // Under required verification only a verified identify links a visitor to a user.
    if (site.identityVerification === 'required' && event.type !== 'identify') event.userId = null;
    applyEvent(tx, site, event);
    if (isOfferEvent(parsed.event)) recordOfferEvent(tx, site.key, parsed.event, row.occurredAt);
    if (event.type === 'purchase') enqueuePurchaseMoments(tx, site, event);
  });
  return result;
}

const insertEvent = `${rowSql(events).insert} ON CONFLICT DO NOTHING`;

// How long a browser may plausibly have held an event before sending it (offline, a closed tab).
const MAX_SEND_DELAY_MS = 30 * 24 * 60 * 60 * 1000;

/**
 * Places an event on the collector's clock: the delay the client measured between creating and
 * sending it, taken back from the receive time (the "derived timestamp" of Snowplow). The delay
 * is kept between 0 and 30 days, so that a client clock far off cannot put an event in 1970 or in
 * the future.
 */
function occurredAt(timestamp: number, sentAt: number, receivedAt: number): number {
  const delay = Math.min(Math.max(sentAt - timestamp, 0), MAX_SEND_DELAY_MS);
  return receivedAt - delay;
}

function toRow(siteKey: string, event: Event, sentAt: number, receivedAt: number): typeof events.$inferInsert {
  const { id, type, visitorId, sessionId, userId, timestamp, url, referrer, title, ...rest } = event;
  const { items, value, currency, transactionId, name, ...data } = rest as Partial<
    Record<'items' | 'value' | 'currency' | 'transactionId' | 'name', unknown>
  > & Record<string, unknown>;

  return {
    siteKey,
    id,
    type,
    name: typeof name === 'string' ? name : null,
    visitorId,
    sessionId,
    userId: userId ?? null,
    occurredAt: occurredAt(timestamp, sentAt, receivedAt),
    clientTime: timestamp,
    receivedAt,
    url: url ?? null,
    referrer: referrer ?? null,
    title: title ?? null,
    transactionId: typeof transactionId === 'string' ? transactionId : null,
    currency: typeof currency === 'string' ? currency : null,
    value: typeof value === 'number' ? value : null,
    items: items === undefined ? null : JSON.stringify(items),
    data: Object.keys(data).length > 0 ? JSON.stringify(data) : null,
  };
}
