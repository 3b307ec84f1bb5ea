import { and, desc, eq, inArray } from 'drizzle-orm';
import { Hono } from 'hono';
import { z } from 'zod';
import { decisions, events, identities, orders, profiles, valueModels } from '../../db/schema.js';
import { requireSecret } from '../../http/admin-auth.js';
import { readJson } from '../../http/body.js';
import type { AppEnv } from '../../http/env.js';
import { HttpError } from '../../http/errors.js';
import { toIssues } from '@patron/protocol';
import { segments, tiers, type SegmentName, type TierName } from '../../value/segments.js';
import { describeProfile } from '../../profiles/read.js';
import { listCustomers, listSegments } from '../../value/queries.js';
import { predictCustomerValue } from '../../value/predict.js';
import { scoreCustomers } from '../../value/score.js';
import type { SiteConfig } from '../../config/schema.js';
import { confirmOrder, confirmOrderSchema } from './orders.js';
import { offerAdminRoutes } from './offers.js';
import { followUpRoutes } from './follow-up.js';
import { eraseSubject, exportSubject } from '../../privacy/subject.js';

const wholeNumber = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`))
    .optional();

const listQuery = z
  .object({
    limit: wholeNumber(1, 500),
    offset: wholeNumber(0, Number.MAX_SAFE_INTEGER),
    segment: z.enum(segments.map((segment) => segment.name) as [SegmentName, ...SegmentName[]]).optional(),
    tier: z.enum(tiers.map((tier) => tier.name) as [TierName, ...TierName[]]).optional(),
  })
  .strict();

/**
 * Serves the admin API of one site under `/v1/admin/sites/:site`, authenticated with the site's
 * secret key: customers by value, one customer, the segments, scoring, predictions, order
 * confirmation, and the offers with their report.
 */
export function adminRoutes() {
  const app = new Hono<AppEnv & { Variables: { site: SiteConfig } }>();

  app.use('/sites/:site/*', async (c, next) => {
    const site = c.var.sites.get(c.req.param('site')!);
    requireSecret(c, site);
    c.set('site', site);
    await next();
  });

  app.get('/sites/:site/customers', (c) => {
    const query = listQuery.safeParse(c.req.query());
    if (!query.success) {
      const issues = toIssues(query.error);
      throw new HttpError(400, 'invalid_query', `Invalid query: ${issues.map((issue) => `${issue.path || '(query)'} ${issue.message}`).join('; ')}`, issues);
    }
    const limit = query.data.limit ?? 50;
    const offset = query.data.offset ?? 0;
    const result = listCustomers(c.var.db, c.var.site.key, { ...query.data, limit, offset });
    return c.json({ ...result, currency: c.var.site.currency, limit, offset });
  });

  app.get('/sites/:site/customers/:id', (c) => {
    const { db, site } = c.var;
    const id = c.req.param('id');
    const row = db.select().from(profiles).where(and(eq(profiles.siteKey, site.key), eq(profiles.id, id))).get();
    if (!row) throw new HttpError(404, 'not_found', `No customer "${id}" on site "${site.key}"; ids look like "u:<user id>" or "v:<visitor id>"`);

    const visitorIds = db
      .select({ visitorId: identities.visitorId })
      .from(identities)
      .where(and(eq(identities.siteKey, site.key), eq(identities.profileId, id)))
      .all()
      .map((link) => link.visitorId);
    const recentEvents = visitorIds.length
      ? db
          .select({ id: events.id, type: events.type, occurredAt: events.occurredAt, url: events.url, value: events.value, currency: events.currency })
          .from(events)
          .where(and(eq(events.siteKey, site.key), inArray(events.visitorId, visitorIds)))
          .orderBy(desc(events.occurredAt))
          .limit(50)
          .all()
      : [];
    const customerOrders = db
      .select()
      .from(orders)
      .where(and(eq(orders.siteKey, site.key), eq(orders.profileId, id)))
      .orderBy(desc(orders.placedAt))
      .limit(100)
      .all()
      .map((order) => ({ ...order, items: JSON.parse(order.items) as unknown[] }));
    const offersSeen = visitorIds.length
      ? db
          .select({ id: decisions.id, offerId: decisions.offerId, variant: decisions.variant, group: decisions.groupName, placement: decisions.placement, decidedAt: decisions.decidedAt })
          .from(decisions)
          .where(and(eq(decisions.siteKey, site.key), inArray(decisions.visitorId, visitorIds)))
          .orderBy(desc(decisions.decidedAt))
          .limit(20)
          .all()
      : [];

    return c.json({
      profile: describeProfile(row, Date.now(), site.abandonedCartMinutes * 60_000),
      segment: row.segment,
      tier: row.tier,
      rfm: row.rfm ? JSON.parse(row.rfm) : null,
      predictions:
        row.probabilityAlive === null
          ? null
          : {
              probabilityAlive: row.probabilityAlive,
              expectedOrders: { days30: row.expectedOrders30, days90: row.expectedOrders90, days365: row.expectedOrders365 },
              expectedOrderValue: row.expectedOrderValue,
              predictedValue: row.predictedValue,
            },
      visitorIds,
      recentEvents,
      orders: customerOrders,
      offersSeen,
      currency: site.currency,
    });
  });

  app.get('/sites/:site/customers/:id/export', (c) => {
    const data = exportSubject(c.var.db, c.var.site.key, c.req.param('id'));
    if (!data) throw new HttpError(404, 'not_found', `No customer "${c.req.param('id')}" on site "${c.var.site.key}"`);
    c.header('Content-Disposition', `attachment; filename="patron-${c.var.site.key}-${encodeURIComponent(c.req.param('id'))}.json"`);
    return c.json(data);
  });

  app.delete('/sites/:site/customers/:id', (c) => {
    const deleted = eraseSubject(c.var.db, c.var.site.key, c.req.param('id'));
    if (!deleted) throw new HttpError(404, 'not_found', `No customer "${c.req.param('id')}" on site "${c.var.site.key}"`);
    c.var.logger.info({ requestId: c.var.requestId, siteKey: c.var.site.key, deleted }, 'customer erased on request');
    return c.json({ erased: c.req.param('id'), deleted });
  });

  app.get('/sites/:site/segments', (c) => c.json({ ...listSegments(c.var.db, c.var.site.key), currency: c.var.site.currency }));

  app.post('/sites/:site/scores', (c) => c.json(scoreCustomers(c.var.db, c.var.site)));

  app.post('/sites/:site/predictions', (c) => c.json(predictCustomerValue(c.var.db, c.var.site)));

  app.get('/sites/:site/value-model', (c) => {
    const model = c.var.db.select().from(valueModels).where(eq(valueModels.siteKey, c.var.site.key)).get();
    if (!model) return c.json({ status: 'not_fitted', message: 'The value models have not been fitted yet; POST …/predictions fits them now' });
    return c.json({ ...model, findings: JSON.parse(model.findings), bgnbd: model.bgnbd && JSON.parse(model.bgnbd), gammaGamma: model.gammaGamma && JSON.parse(model.gammaGamma) });
  });

  app.post('/sites/:site/orders', async (c) => {
    const body = await readJson(c, confirmOrderSchema);
    const result = confirmOrder(c.var.db, c.var.site, body);
    return c.json(result, result.status === 'created' ? 201 : 200);
  });

  app.route('/sites/:site', offerAdminRoutes());
  app.route('/sites/:site', followUpRoutes());

  return app;
}
