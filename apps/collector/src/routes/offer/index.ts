import { offerRequestSchema, type OfferRequest, type OfferResponse } from '@patron/protocol';
import { Hono, type Context } from 'hono';
import { siteSecret } from '../../http/admin-auth.js';
import { readJson } from '../../http/body.js';
import type { AppEnv } from '../../http/env.js';
import { HttpError } from '../../http/errors.js';
import { verifyPreviewToken } from '../../offers/preview.js';
import { decideForVisitor } from '../../offers/service.js';
import type { SiteConfig } from '../../config/schema.js';
import { privacySignalOf } from '../../privacy/signals.js';
import { admissionTier, issuePass } from '../../priority/tier.js';

/**
 * `POST /v1/offer`: decides which offer, if any, to show this visitor, and records the decision.
 * A preview token in the body's `force` or the `force` query parameter serves its offer instead.
 */
export function offerRoute() {
  return new Hono<AppEnv>().post('/', async (c) => {
    const { sites } = c.var;
    const request = await readJson(c, offerRequestSchema);
    const site = sites.get(request.siteKey);
    sites.checkOrigin(c, site);
    c.var.rateLimits.checkSite(c, site.key);
    const now = Date.now();

    // No decision is stored and no pass issued, so the visitor leaves no trace.
    const signal = site.honourPrivacySignals ? privacySignalOf(c) : undefined;
    if (signal) {
      return c.json({ offer: null, assignment: null, decisionId: '', reasons: [`the request carries ${signal}: 1, which this site honours, so no offer was decided`] } satisfies OfferResponse, 200);
    }

    // Admission by tier happened before the body was read (src/priority/early.ts).
    return c.json(decideResponse(c, request, site, now), 200);
  });
}

/** Decides the offer and issues the visitor's pass; a preview token in `force` serves its offer instead. */
function decideResponse(c: Context<AppEnv>, request: OfferRequest, site: SiteConfig, now: number): OfferResponse {
  const { db, offerCatalog, commitQueue } = c.var;

  const token = request.force ?? c.req.query('force');
  let forced: { offerId: string; variant?: string | undefined } | undefined;
  if (token) {
    const claims = verifyPreviewToken(token, site.key, siteSecret(site), now);
    if ('problem' in claims) throw new HttpError(401, 'unauthorized', `Cannot force an offer: ${claims.problem}`);
    const previewed = offerCatalog.get(site.key, claims.offer);
    if (!previewed || (claims.variant !== undefined && !previewed.variants.some((variant) => variant.id === claims.variant))) {
      throw new HttpError(401, 'unauthorized', `Cannot force an offer: the preview names ${claims.offer}/${claims.variant ?? 'its first variant'}, which the site no longer has; create a new preview`);
    }
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
  }, commitQueue);
  const response: OfferResponse = { offer: outcome.offer, assignment: outcome.assignment, decisionId: outcome.decisionId, reasons: [outcome.summary] };
  const visitorTier = admissionTier(site, { visitorId: request.visitorId, profileId: outcome.profileId, valueTier: outcome.facts['customer.tier'], segment: outcome.facts['customer.segment'] });
  const pass = issuePass(site, request.visitorId, visitorTier, now);
  if (pass) response.pass = pass;
  return response;
}
