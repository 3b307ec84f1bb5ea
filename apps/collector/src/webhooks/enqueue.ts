import { randomUUID } from 'node:crypto';
import type { SiteConfig } from '../config/schema.js';
import type { Tx } from '../db/open.js';
import { webhookDeliveries, type profiles } from '../db/schema.js';
import type { WebhookEvent } from './schema.js';
import { summarizeCustomer } from './summary.js';

export type WebhookSite = Pick<SiteConfig, 'key' | 'currency' | 'webhooks'>;

export interface Moment {
  event: WebhookEvent;
  /** Names the moment, such as "first_purchase:u:42", so that it is enqueued once per endpoint. */
  dedupeKey: string;
  profile: typeof profiles.$inferSelect;
  /** Fields of this kind of moment, such as the old and new segment. */
  data: Record<string, unknown>;
  at: number;
}

/**
 * Stores one delivery per endpoint subscribed to the moment's event, in the caller's transaction,
 * and returns how many were new. The body is fixed now, so every attempt sends the same bytes.
 */
export function enqueueMoment(tx: Tx, site: WebhookSite, moment: Moment, now = Date.now()): number {
  let created = 0;
  for (const webhook of site.webhooks) {
    if (!webhook.events.includes(moment.event)) continue;
    const id = randomUUID();
    const body = JSON.stringify({
      id,
      event: moment.event,
      occurredAt: new Date(moment.at).toISOString(),
      site: site.key,
      customer: summarizeCustomer(moment.profile, site.currency),
      data: moment.data,
    });
    created += tx
      .insert(webhookDeliveries)
      .values({
        id,
        siteKey: site.key,
        webhookId: webhook.id,
        event: moment.event,
        dedupeKey: moment.dedupeKey,
        profileId: moment.profile.id,
        body,
        status: 'pending',
        nextAttemptAt: now,
        createdAt: now,
      })
      .onConflictDoNothing()
      .run().changes;
  }
  return created;
}

/** True when some endpoint of the site subscribes to the event, so callers can skip the work otherwise. */
export const isSubscribed = (site: WebhookSite, event: WebhookEvent) => site.webhooks.some((webhook) => webhook.events.includes(event));
