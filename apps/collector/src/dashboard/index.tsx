import { Hono, type Context, type Next } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { SiteConfig } from '../config/schema.js';
import { matchesSecret, siteSecret } from '../http/admin-auth.js';
import { HttpError } from '../http/errors.js';
import {
  LOGIN_COOKIE,
  LOGIN_FORM_TTL_MS,
  LoginThrottle,
  SESSION_COOKIE,
  SESSION_TTL_MS,
  SessionStore,
  clientAddress,
  digestOf,
  isHttps,
  isSameOriginPost,
  randomToken,
  tokensMatch,
} from './auth.js';
import type { DashboardEnv } from './context.js';
import { DASHBOARD_PATH } from './links.js';
import { customerPage } from './pages/customer.js';
import { customersPage } from './pages/customers.js';
import { healthPage } from './pages/health.js';
import { ErrorPage, LoginPage } from './pages/login.js';
import { offersPage } from './pages/offers.js';
import { overviewPage } from './pages/overview.js';
import { segmentsPage } from './pages/segments.js';
import { sendPage } from './render.js';
import { styleSheet } from './styles.js';

const securityHeaders = {
  'Content-Security-Policy': "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'same-origin',
} as const;

/** Returns `next` when it is a dashboard path, so that signing in never redirects to another site. */
function safeNext(next: unknown): string | undefined {
  return typeof next === 'string' && /^\/dashboard(?:[/?][^\\]*)?$/.test(next) && !next.includes('//') ? next : undefined;
}

const cookieOptions = (c: Context, path: string, maxAgeMs: number) =>
  ({ path, httpOnly: true, sameSite: 'Strict', secure: isHttps(c), maxAge: Math.floor(maxAgeMs / 1000) }) as const;

/**
 * Serves the shop owner's dashboard under /dashboard: sign-in with a site's secret key, then the
 * overview, customers, segments, offers and health pages of that one site, rendered on the server.
 *
 * A session lives in this process's memory and its cookie holds only a random id. Every form that
 * changes state carries a token (the login form's in a cookie of its own, the others the
 * session's), and a POST that a browser marks as coming from another origin is rejected first.
 */
export function dashboardRoutes() {
  const sessions = new SessionStore();
  const throttle = new LoginThrottle();
  const app = new Hono<DashboardEnv>();

  app.use(async (c, next) => {
    await next();
    for (const [name, value] of Object.entries(securityHeaders)) c.header(name, value);
  });

  app.get('/style.css', (c) => {
    c.header('Content-Type', 'text/css; charset=utf-8');
    c.header('Cache-Control', 'public, max-age=3600');
    return c.body(styleSheet);
  });

  const showLogin = (c: Context<DashboardEnv>, options: { siteKey?: string; next?: string | undefined; error?: string; notice?: string; status?: 200 | 400 | 403 | 429 } = {}) => {
    const token = randomToken();
    setCookie(c, LOGIN_COOKIE, token, cookieOptions(c, `${DASHBOARD_PATH}/login`, LOGIN_FORM_TTL_MS));
    const page = <LoginPage token={token} siteKey={options.siteKey ?? ''} next={options.next} error={options.error} notice={options.notice} />;
    return sendPage(c, page, options.status ?? 200);
  };

  app.get('/login', (c) => {
    const notice = c.req.query('signed-out') !== undefined ? 'You have signed out.' : c.req.query('expired') !== undefined ? 'Your session has ended; please sign in again.' : undefined;
    return showLogin(c, { siteKey: c.req.query('site') ?? '', next: safeNext(c.req.query('next')), notice });
  });

  const formLimit = bodyLimit({ maxSize: 16 * 1024, onError: (c) => sendPage(c, <ErrorPage title="Form too large" message="The form sent more than 16 KB; reload the page and try again." back={DASHBOARD_PATH} />, 400) });

  app.post('/login', formLimit, async (c) => {
    const form = await c.req.parseBody();
    const siteKey = typeof form.site === 'string' ? form.site.trim() : '';
    const next = safeNext(form.next);
    const retry = { siteKey, next };
    if (!isSameOriginPost(c) || !tokensMatch(typeof form.csrf === 'string' ? form.csrf : undefined, getCookie(c, LOGIN_COOKIE) ?? '')) {
      return showLogin(c, { ...retry, error: 'The sign-in form had expired or came from another page. Please sign in again with this form.', status: 403 });
    }

    const address = clientAddress(c);
    const wait = throttle.retryAfterSeconds(address);
    if (wait > 0) {
      c.header('Retry-After', String(wait));
      return showLogin(c, { ...retry, error: `Too many failed sign-ins from your address. Try again in ${Math.ceil(wait / 60)} minutes.`, status: 429 });
    }

    let site: SiteConfig | undefined;
    try {
      site = c.var.sites.get(siteKey);
    } catch {
      site = undefined;
    }
    const secret = site ? siteSecret(site) : undefined;
    if (site && !secret) {
      return showLogin(c, {
        ...retry,
        error: site.secretKey?.startsWith('env:')
          ? `Site "${site.key}" reads its secret key from the environment variable ${site.secretKey.slice(4)}, which is not set (or shorter than 24 characters), so its dashboard is closed. Its operator must set it and restart the collector.`
          : `Site "${site.key}" has no secret key configured, so its dashboard is closed. Its operator must set secretKey in the collector's configuration.`,
        status: 403,
      });
    }
    const presented = typeof form.secret === 'string' ? form.secret : '';
    if (!site || !secret || !matchesSecret(presented, secret)) {
      throttle.recordFailure(address);
      c.var.logger.warn({ requestId: c.var.requestId, siteKey }, 'dashboard sign-in failed');
      const error = site ? `Wrong secret key for site "${site.key}".` : `No site "${siteKey}" on this collector. Check the site key.`;
      return showLogin(c, { ...retry, error, status: 403 });
    }

    throttle.reset(address);
    const session = sessions.create(site.key, secret);
    deleteCookie(c, LOGIN_COOKIE, { path: `${DASHBOARD_PATH}/login` });
    setCookie(c, SESSION_COOKIE, session.id, cookieOptions(c, DASHBOARD_PATH, SESSION_TTL_MS));
    c.var.logger.info({ requestId: c.var.requestId, siteKey: site.key }, 'dashboard sign-in');
    return c.redirect(next ?? DASHBOARD_PATH, 303);
  });

  /** Lets a request through with its site and session, or sends the browser to the sign-in form. */
  const requireSession = async (c: Context<DashboardEnv>, next: Next) => {
    const session = sessions.get(getCookie(c, SESSION_COOKIE));
    let site: SiteConfig | undefined;
    if (session) {
      try {
        site = c.var.sites.get(session.siteKey);
      } catch {
        site = undefined;
      }
    }
    const secret = site ? siteSecret(site) : undefined;
    if (!session || !site || !secret || digestOf(secret) !== session.secretDigest) {
      if (session) sessions.delete(session.id);
      const url = new URL(c.req.url);
      const back = safeNext(`${url.pathname}${url.search}`);
      const query = new URLSearchParams(session ? { expired: '' } : {});
      if (back && c.req.method === 'GET') query.set('next', back);
      const search = query.toString();
      return c.redirect(`${DASHBOARD_PATH}/login${search ? `?${search}` : ''}`, 303);
    }
    c.set('session', session);
    c.set('site', site);
    await next();
  };
  app.use('*', requireSession);

  app.post('/logout', formLimit, async (c) => {
    const form = await c.req.parseBody();
    if (!isSameOriginPost(c) || !tokensMatch(typeof form.csrf === 'string' ? form.csrf : undefined, c.var.session.csrfToken)) {
      return sendPage(c, <ErrorPage title="Sign-out not accepted" message="The form had expired or came from another page, so you are still signed in." back={DASHBOARD_PATH} />, 403);
    }
    sessions.delete(c.var.session.id);
    deleteCookie(c, SESSION_COOKIE, { path: DASHBOARD_PATH });
    c.var.logger.info({ requestId: c.var.requestId, siteKey: c.var.site.key }, 'dashboard sign-out');
    return c.redirect(`${DASHBOARD_PATH}/login?signed-out`, 303);
  });

  app.get('/', overviewPage);
  app.get('/customers', customersPage);
  app.get('/customers/:id', customerPage);
  app.get('/segments', segmentsPage);
  app.get('/offers', offersPage);
  app.get('/health', healthPage);
  app.all('*', (c) =>
    sendPage(c, <ErrorPage title="Page not found" message={`The dashboard has no page at ${c.req.path}.`} back={DASHBOARD_PATH} />, 404),
  );

  app.onError((error, c) => {
    if (error instanceof HttpError) {
      const status = error.status === 404 || error.status === 400 || error.status === 403 ? error.status : 500;
      return sendPage(c, <ErrorPage title={status === 404 ? 'Not found' : 'Request not accepted'} message={error.message} back={DASHBOARD_PATH} />, status);
    }
    c.var.logger.error({ err: error, requestId: c.var.requestId, path: c.req.path }, 'dashboard page failed');
    const message = `The page could not be built. The collector's log has the details under request id ${c.var.requestId}.`;
    return sendPage(c, <ErrorPage title="Something went wrong" message={message} back={DASHBOARD_PATH} />, 500);
  });

  return app;
}
