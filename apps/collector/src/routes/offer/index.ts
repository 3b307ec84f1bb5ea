import { offerRequestSchema, type OfferResponse } from '@patron/protocol';
import { Hono } from 'hono';
import { siteSecret } from '../../http/admin-auth.js';
import { readJson } from '../../http/body.js';
import type { AppEnv } from '../../http/env.js';
import { HttpError } from '../../http/errors.js';
import { verifyPreviewToken } from '../../offers/preview.js';
import { decideForVisitor } from '../../offers/service.js';

/**
 * `POST /v1/offer`: decides which offer, if any, to show this visitor, and records the decision.
 * A preview token in the body's `force` or the `force` query parameter serves its offer instead.
 */
export function offerRoute() {
  return new Hono<AppEnv>().post('/', async (c) => {
    const { db, sites, offerCatalog } = c.var;
    const request = await readJson(c, offerRequestSchema);
    const site = sites.get(request.siteKey);
    sites.checkOrigin(c, site);
    const now = Date.now();

    const token = request.force ?? c.req.query('force');
    let forced: { offerId: string; variant?: string | undefined } | undefined;
    if (token) {
      const claims = verifyPreviewToken(token, site.key, siteSecret(site), now);
      if ('problem' in claims) throw new HttpError(401, 'unauthorized', `Cannot force an offer: ${claims.problem}`);
      forced = { offerId: claims.offer, variant: claims.variant };
    }

    const context = request.context ?? {};
    const outcome = decideForVisitor(db, site, offerCatalog, {
      visitorId: request.visitorId,
      sessionId: context.sessionId,
      pageId: context.pageId,
      placement: request.placement,
      url: context.url,
      referrer: context.referrer,
      userAgent: c.req.header('user-agent'),
      now,
      forced,
    });
    const response: OfferResponse = { offer: outcome.offer, assignment: outcome.assignment, decisionId: outcome.decisionId, reasons: [outcome.summary] };
    return c.json(response, 200);
  });
}
