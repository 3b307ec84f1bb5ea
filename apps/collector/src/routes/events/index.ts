import { batchEnvelopeSchema, parseEvent, type BatchResult } from '@patron/protocol';
import { Hono } from 'hono';
import { readJson } from '../../http/body.js';
import type { AppEnv } from '../../http/env.js';
import { privacySignalOf, type PrivacySignal } from '../../privacy/signals.js';
import { confirmPurchase, incomingOf } from '../../priority/purchase-claims.js';

/** `POST /v1/events`: stores a batch and responds only after the accepted events are committed. */
export function eventsRoute() {
  return new Hono<AppEnv>().post('/', async (c) => {
    const { commitQueue, sites, logger, metrics } = c.var;
    const batch = await readJson(c, batchEnvelopeSchema);
    const site = sites.get(batch.siteKey);
    sites.checkOrigin(c, site);
    c.var.rateLimits.checkSite(c, site.key);

    // A 2xx, so that the tracker drops the events instead of retrying them.
    const signal = site.honourPrivacySignals ? privacySignalOf(c) : undefined;
    if (signal) {
      const body: BatchResult & { ignored: number; privacySignal: PrivacySignal } = { accepted: 0, duplicates: 0, rejected: [], ignored: batch.events.length, privacySignal: signal };
      return c.json(body, 200);
    }

    // Admission by tier happened before the body was read (src/priority/early.ts). A batch admitted
    // as top tier for its `purchase=1` confirms the claim here with a purchase that passes
    // validation; an unconfirmed claim bars its pass.
    if (batch.events.some(isValidPurchase)) confirmPurchase(incomingOf(c));
    const result = await commitQueue.store(site, batch, Date.now());
    metrics.events.inc({ site: site.key, outcome: 'accepted' }, result.accepted);
    metrics.events.inc({ site: site.key, outcome: 'duplicate' }, result.duplicates);
    metrics.events.inc({ site: site.key, outcome: 'rejected' }, result.rejected.length);
    if (batch.dropped) metrics.dropped.inc({ site: site.key }, batch.dropped);
    if (batch.dropped) {
      logger.warn(
        { requestId: c.var.requestId, siteKey: site.key, dropped: batch.dropped },
        'a browser dropped unsent events because its saved queue was full',
      );
    }
    if (result.rejected.length > 0) {
      logger.warn(
        { requestId: c.var.requestId, siteKey: site.key, rejected: result.rejected.length },
        'events quarantined as invalid',
      );
    }
    return c.json(result, 200);
  });
}

/** Returns whether a raw event of the batch is a purchase that passes the protocol's validation. */
function isValidPurchase(raw: unknown): boolean {
  if ((raw as { type?: unknown } | null)?.type !== 'purchase') return false;
  return parseEvent(raw).ok;
}
