import { batchEnvelopeSchema, type BatchResult } from '@patron/protocol';
import { Hono } from 'hono';
import { readJson } from '../../http/body.js';
import { HttpError } from '../../http/errors.js';
import type { AppEnv } from '../../http/env.js';
import { privacySignalOf, type PrivacySignal } from '../../privacy/signals.js';

/** `POST /v1/events`: stores a batch and responds only after the accepted events are committed. */
export function eventsRoute() {
  return new Hono<AppEnv>().post('/', async (c) => {
    const { commitQueue, sites, logger, admission, metrics } = c.var;
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

    // Purchases are the last events to be shed, whoever sends them.
    const hasPurchase = batch.events.some((event) => (event as { type?: unknown } | null)?.type === 'purchase');
    const tier = hasPurchase ? 'platinum' : admission.tierOf(c);
    const release = await admission.admit(tier);
    if (!release) {
      metrics.shed.inc({ route: 'events', tier });
      c.header('Retry-After', '2');
      throw new HttpError(503, 'overloaded', 'The collector is overloaded and stored nothing from this batch; retry after the Retry-After seconds');
    }
    metrics.admitted.inc({ route: 'events', tier });
    let result;
    try {
      result = await commitQueue.store(site, batch, Date.now());
    } finally {
      release();
    }
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
