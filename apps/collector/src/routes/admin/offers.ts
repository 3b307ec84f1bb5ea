import { offerRequestSchema, toIssues } from '@patron/protocol';
import { Hono } from 'hono';
import { z } from 'zod';
import type { SiteConfig } from '../../config/schema.js';
import { siteSecret } from '../../http/admin-auth.js';
import { readJson } from '../../http/body.js';
import type { AppEnv } from '../../http/env.js';
import { HttpError } from '../../http/errors.js';
import type { CatalogOffer } from '../../offers/decide.js';
import { createPreviewToken } from '../../offers/preview.js';
import { reportOffers } from '../../offers/report.js';
import { decideForVisitor } from '../../offers/service.js';

type SiteEnv = AppEnv & { Variables: { site: SiteConfig } };

const statusSchema = z.object({ status: z.enum(['active', 'paused']) }).strict();

const previewSchema = z.object({ variant: z.string().optional() }).strict();

const explainSchema = offerRequestSchema
  .omit({ siteKey: true, force: true })
  .extend({
    /** Serve this offer (and variant) whatever the rules say, as a preview token would. */
    force: z.object({ offerId: z.string(), variant: z.string().optional() }).strict().optional(),
    userAgent: z.string().max(1024).optional(),
  })
  .strict();

const reportQuery = z.object({ since: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time such as "2026-12-01T00:00:00Z"' }).optional() }).strict();

const describe = (offer: CatalogOffer) => ({ ...offer.config, variants: offer.variants, source: offer.source });

/**
 * The offers of a site under `/v1/admin/sites/:site`: list, create, replace, pause or resume,
 * delete, preview tokens, the report, and an explanation of the decision for any visitor that
 * records nothing. The admin router in front checks the site's secret key.
 */
export function offerAdminRoutes() {
  const app = new Hono<SiteEnv>();

  app.get('/offers', (c) => c.json({ offers: c.var.offerCatalog.list(c.var.site.key).map(describe) }));

  app.post('/offers', async (c) => {
    const created = c.var.offerCatalog.create(c.var.site.key, await readJson(c, z.unknown()));
    c.var.logger.info({ requestId: c.var.requestId, siteKey: c.var.site.key, offerId: created.config.id }, 'offer created');
    return c.json(describe(created), 201);
  });

  app.get('/offers/report', (c) => {
    const query = reportQuery.safeParse(c.req.query());
    if (!query.success) {
      const issues = toIssues(query.error);
      throw new HttpError(400, 'invalid_query', `Invalid query: ${issues.map((issue) => `${issue.path || '(query)'} ${issue.message}`).join('; ')}`, issues);
    }
    const since = query.data.since === undefined ? undefined : Date.parse(query.data.since);
    return c.json(reportOffers(c.var.db, c.var.site, c.var.offerCatalog, since));
  });

  app.get('/offers/:id', (c) => {
    const offer = c.var.offerCatalog.get(c.var.site.key, c.req.param('id'));
    if (!offer) throw new HttpError(404, 'not_found', `No offer "${c.req.param('id')}" on site "${c.var.site.key}"; GET …/offers lists them`);
    return c.json(describe(offer));
  });

  app.put('/offers/:id', async (c) => {
    const replaced = c.var.offerCatalog.replace(c.var.site.key, c.req.param('id'), await readJson(c, z.unknown()));
    c.var.logger.info({ requestId: c.var.requestId, siteKey: c.var.site.key, offerId: replaced.config.id }, 'offer replaced');
    return c.json(describe(replaced));
  });

  app.patch('/offers/:id', async (c) => {
    const { status } = await readJson(c, statusSchema);
    const changed = c.var.offerCatalog.setStatus(c.var.site.key, c.req.param('id'), status);
    c.var.logger.info({ requestId: c.var.requestId, siteKey: c.var.site.key, offerId: changed.config.id, status }, 'offer status changed');
    return c.json(describe(changed));
  });

  app.delete('/offers/:id', (c) => {
    c.var.offerCatalog.delete(c.var.site.key, c.req.param('id'));
    c.var.logger.info({ requestId: c.var.requestId, siteKey: c.var.site.key, offerId: c.req.param('id') }, 'offer deleted');
    return c.json({ deleted: c.req.param('id') });
  });

  app.post('/offers/:id/preview', async (c) => {
    const { site, offerCatalog } = c.var;
    const body = c.req.header('content-length') === '0' ? {} : await readJson(c, previewSchema);
    const offer = offerCatalog.get(site.key, c.req.param('id'));
    if (!offer) throw new HttpError(404, 'not_found', `No offer "${c.req.param('id')}" on site "${site.key}"; GET …/offers lists them`);
    if (body.variant !== undefined && !offer.variants.some((variant) => variant.id === body.variant)) {
      throw new HttpError(400, 'invalid_body', `Offer "${offer.config.id}" has no variant "${body.variant}"; it has ${offer.variants.map((variant) => variant.id).join(', ')}`);
    }
    const expires = Date.now() + site.offerSettings.previewMinutes * 60_000;
    // The admin router has already checked that the secret exists.
    const token = createPreviewToken({ site: site.key, offer: offer.config.id, variant: body.variant, expires }, siteSecret(site)!);
    return c.json({ token, expiresAt: new Date(expires).toISOString(), usage: `Open a shop page with ?patron_preview=${token} to see this offer there; previews are not recorded.` });
  });

  app.post('/decisions/explain', async (c) => {
    const { db, site, offerCatalog } = c.var;
    const body = await readJson(c, explainSchema);
    const outcome = decideForVisitor(
      db,
      site,
      offerCatalog,
      {
        visitorId: body.visitorId,
        sessionId: body.context?.sessionId,
        pageId: body.context?.pageId,
        placement: body.placement,
        url: body.context?.url,
        referrer: body.context?.referrer,
        userAgent: body.userAgent,
        now: Date.now(),
        forced: body.force,
      },
      false,
    );
    return c.json({
      offer: outcome.offer,
      assignment: outcome.assignment,
      summary: outcome.summary,
      explanation: outcome.explanation,
      facts: outcome.facts,
      recorded: false,
    });
  });

  return app;
}
