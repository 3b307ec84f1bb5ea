import { toIssues } from '@patron/protocol';
import { Hono } from 'hono';
import { stream } from 'hono/streaming';
import { z } from 'zod';
import { audienceFilterSchema, audiencePages, toCsv } from '../../audiences/export.js';
import type { SiteConfig } from '../../config/schema.js';
import type { AppEnv } from '../../http/env.js';
import { HttpError } from '../../http/errors.js';
import { listDeliveries, replayDeliveries } from '../../webhooks/deliveries.js';

type SiteEnv = AppEnv & { Variables: { site: SiteConfig } };

const deliveriesQuery = z
  .object({
    status: z.enum(['pending', 'delivered', 'failed']).optional(),
    limit: z.string().regex(/^\d+$/, 'must be a whole number').transform(Number).pipe(z.number().min(1).max(1000)).optional(),
  })
  .strict();

const audienceQuery = audienceFilterSchema.and(z.object({ format: z.enum(['csv', 'json']).default('csv') }));

function parseQuery<T extends z.ZodType>(schema: T, query: Record<string, string>): z.output<T> {
  const result = schema.safeParse(query);
  if (result.success) return result.data;
  const issues = toIssues(result.error);
  throw new HttpError(400, 'invalid_query', `Invalid query: ${issues.map((issue) => `${issue.path || '(query)'} ${issue.message}`).join('; ')}`, issues);
}

/**
 * Webhook deliveries and audience exports of a site under `/v1/admin/sites/:site`; the admin
 * router in front checks the site's secret key.
 */
export function followUpRoutes() {
  const app = new Hono<SiteEnv>();

  app.get('/webhooks/deliveries', (c) => {
    const query = parseQuery(deliveriesQuery, c.req.query());
    return c.json({ deliveries: listDeliveries(c.var.db, c.var.site.key, query) });
  });

  app.post('/webhooks/deliveries/:id/replay', (c) => {
    const replayed = replayDeliveries(c.var.db, c.var.site.key, c.req.param('id'));
    if (replayed === 0) throw new HttpError(404, 'not_found', `No delivery "${c.req.param('id')}" on site "${c.var.site.key}"; GET …/webhooks/deliveries lists them`);
    c.var.logger.info({ requestId: c.var.requestId, siteKey: c.var.site.key, deliveryId: c.req.param('id') }, 'webhook delivery replayed');
    return c.json({ replayed });
  });

  app.post('/webhooks/deliveries/replay-failed', (c) => {
    const replayed = replayDeliveries(c.var.db, c.var.site.key, undefined);
    c.var.logger.info({ requestId: c.var.requestId, siteKey: c.var.site.key, replayed }, 'failed webhook deliveries replayed');
    return c.json({ replayed });
  });

  app.get('/audiences/export', (c) => {
    const { format, ...filter } = parseQuery(audienceQuery, c.req.query());
    const { db, site } = c.var;
    const name = ['patron', site.key, filter.segment ?? filter.tier ?? filter.offer ?? 'customers'].join('-').replace(/[^A-Za-z0-9_-]+/g, '-');
    c.header('Content-Type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json');
    c.header('Content-Disposition', `attachment; filename="${name}.${format}"`);
    // Written page by page: a JSON array opened before the first page and closed after the last.
    return stream(c, async (output) => {
      let first = true;
      if (format === 'json') await output.write('[');
      for (const page of audiencePages(db, site, filter)) {
        if (format === 'csv') await output.write(toCsv(page, first));
        else await output.write(`${first ? '' : ','}${page.map((row) => JSON.stringify(row)).join(',')}`);
        first = false;
      }
      if (format === 'json') await output.write(']');
      else if (first) await output.write(toCsv([], true));
    });
  });

  return app;
}
