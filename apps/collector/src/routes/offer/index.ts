import { offerRequestSchema } from '@patron/protocol';
import { Hono } from 'hono';
import { decisions } from '../../db/schema.js';
import { readJson } from '../../http/body.js';
import type { AppEnv } from '../../http/env.js';
import { decideOffer } from '../../offers/decide.js';
import { computeFacts } from '../../offers/facts.js';

/** `POST /v1/offer`: decides which offer, if any, to show this visitor, and records the decision. */
export function offerRoute() {
  return new Hono<AppEnv>().post('/', async (c) => {
    const { db, sites } = c.var;
    const request = await readJson(c, offerRequestSchema);
    const site = sites.get(request.siteKey);
    sites.checkOrigin(c, site);

    const facts = computeFacts(db, {
      siteKey: site.key,
      visitorId: request.visitorId,
      sessionId: request.context?.sessionId,
      placement: request.placement,
      currency: site.currency,
    });
    const { response, explanation } = decideOffer(site.offers, facts);

    db.insert(decisions)
      .values({
        id: response.decisionId,
        siteKey: site.key,
        visitorId: request.visitorId,
        sessionId: request.context?.sessionId ?? null,
        placement: request.placement ?? null,
        offerId: response.offer?.id ?? null,
        reasons: JSON.stringify(explanation),
        decidedAt: Date.now(),
      })
      .run();
    return c.json(response, 200);
  });
}
