import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { requestId } from 'hono/request-id';
import type { Logger } from 'pino';
import type { Config } from './config/schema.js';
import type { Db } from './db/open.js';
import type { AppEnv } from './http/env.js';
import { HttpError, sendError } from './http/errors.js';
import { bearerToken, matchesSecret } from './http/admin-auth.js';
import { publicCors } from './http/cors.js';
import { createMetrics } from './http/metrics.js';
import { createRateLimits, rateLimitDefaults, type RateLimitSettings } from './http/rate-limit.js';
import { Sites } from './http/sites.js';
import { OfferCatalog } from './offers/catalog.js';
import { CommitQueue } from './ingest/commit-queue.js';
import { createAdmission, type Admission } from './priority/admission.js';
import { adminRoutes } from './routes/admin/index.js';
import { dashboardRoutes } from './dashboard/index.js';
import { eventsRoute } from './routes/events/index.js';
import { healthRoutes } from './routes/health/index.js';
import { offerRoute } from './routes/offer/index.js';
import { trackerScriptRoute } from './routes/script/index.js';

/** Largest form the dashboard accepts: a sign-in or an offer's status, never more than a few fields. */
const DASHBOARD_FORM_BYTES = 16 * 1024;

export interface AppOptions {
  db: Db;
  config: Config;
  logger: Logger;
  /** Folder of static files served at `/`, such as a shop's pages. */
  publicDir?: string | undefined;
  /** Bearer token that `GET /metrics` requires; without it the metrics are open to anyone who can reach the port. */
  metricsToken?: string | undefined;
  /** Admission by tier under overload; one with default settings when left out. */
  admission?: Admission | undefined;
  /** Request rate limits per client address and per site; the defaults when left out. */
  rateLimits?: RateLimitSettings | undefined;
  /** Group commit for events and offer decisions; one over `db` when left out. */
  commitQueue?: CommitQueue | undefined;
}

/** The admission, metrics and sites of each app that {@link createApp} built, for the admission stage in front of it (src/priority/serve.ts). */
export const appServices = new WeakMap<object, { admission: Admission; metrics: ReturnType<typeof createMetrics>; sites: Sites }>();

/** Builds the collector's HTTP application. */
export function createApp({
  db,
  config,
  logger,
  publicDir,
  metricsToken,
  admission = createAdmission(config),
  rateLimits = rateLimitDefaults,
  commitQueue = new CommitQueue(db, undefined, (error) => logger.error({ err: error }, 'storing an offer decision failed, so the decision is lost')),
}: AppOptions) {
  const sites = new Sites(config);
  const offerCatalog = new OfferCatalog(db, config);
  const metrics = createMetrics(db);
  const rateLimiter = createRateLimits({ settings: rateLimits, registry: metrics.registry, logger });
  const app = new Hono<AppEnv>();

  app.use(requestId());
  app.use(metrics.middleware);
  app.use(async (c, next) => {
    c.set('db', db);
    c.set('sites', sites);
    c.set('offerCatalog', offerCatalog);
    c.set('commitQueue', commitQueue);
    c.set('admission', admission);
    c.set('logger', logger);
    c.set('metrics', metrics);
    await next();
  });

  app.get('/metrics', async (c) => {
    const token = bearerToken(c.req.header('authorization'));
    if (metricsToken && (!token || !matchesSecret(token, metricsToken))) {
      return sendError(c, new HttpError(401, 'unauthorized', 'Send the metrics token as "Authorization: Bearer <token>"'));
    }
    c.header('Content-Type', metrics.registry.contentType);
    return c.body(await metrics.registry.metrics());
  });

  app.use(
    '/v1/*',
    publicCors(sites),
  );
  // The /v1 routes read their bodies with readJson, which enforces the size limit itself.
  app.post(
    '/dashboard/*',
    bodyLimit({
      maxSize: DASHBOARD_FORM_BYTES,
      onError: (c) => {
        c.header('Connection', 'close');
        return sendError(c, new HttpError(413, 'payload_too_large', `A dashboard form is at most ${DASHBOARD_FORM_BYTES} bytes; send the form as the dashboard's page builds it`));
      },
    }),
  );
  // After CORS, so that a browser may read the 429 and its Retry-After.
  app.on('POST', ['/v1/events', '/v1/offer'], rateLimiter.middleware);
  app.route('/v1/events', eventsRoute());
  app.route('/v1/offer', offerRoute());
  app.route('/v1/admin', adminRoutes());
  app.route('/dashboard', dashboardRoutes());
  app.route('/', healthRoutes());
  app.route('/', trackerScriptRoute(logger));
  if (publicDir) app.use('/*', serveStatic({ root: publicDir }));

  app.notFound((c) =>
    sendError(c, new HttpError(404, 'not_found', `No route for ${c.req.method} ${c.req.path}; the routes are listed in docs/protocol.md (POST /v1/events, POST /v1/offer, and the admin API under /v1/admin/sites/<site>/)`)),
  );
  app.onError((error, c) => {
    if (error instanceof HttpError) return sendError(c, error);
    if ((error as { code?: string }).code === 'SQLITE_BUSY') {
      logger.warn({ requestId: c.var.requestId, path: c.req.path }, 'the database stayed locked by another connection past busy_timeout, so the request got 503');
      c.header('Retry-After', '1');
      return sendError(c, new HttpError(503, 'database_busy', 'The database is locked by another write; nothing was stored, so retry after the Retry-After seconds'));
    }
    logger.error({ err: error, requestId: c.var.requestId, path: c.req.path }, 'request failed');
    return sendError(
      c,
      new HttpError(500, 'internal_error', `The collector failed to handle the request; the log has the details under request id ${c.var.requestId}`),
    );
  });
  appServices.set(app, { admission, metrics, sites });
  return app;
}

