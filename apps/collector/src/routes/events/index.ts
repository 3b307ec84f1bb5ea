import { batchEnvelopeSchema } from '@patron/protocol';
import { Hono } from 'hono';
import { readJson } from '../../http/body.js';
import type { AppEnv } from '../../http/env.js';

/** `POST /v1/events`: stores a batch and responds only after the accepted events are committed. */
export function eventsRoute() {
  return new Hono<AppEnv>().post('/', async (c) => {
    const { commitQueue, sites, logger } = c.var;
    const batch = await readJson(c, batchEnvelopeSchema);
    const site = sites.get(batch.siteKey);
    sites.checkOrigin(c, site);

    const result = await commitQueue.store(site, batch, Date.now());
    const { metrics } = c.var;
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
