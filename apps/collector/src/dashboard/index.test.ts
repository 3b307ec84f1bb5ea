import { describe, expect, it, onTestFinished } from 'vitest';
import { configInput, openTestCollector, purchase, siteInput } from '../test/harness.js';
import { MAX_FAILED_LOGINS } from './auth.js';
import { ORIGIN, cookieHeader, cookiesOf, openLoginForm, postLogin, rowIdsOf, signIn, textOf } from './testing.js';

const SECRET = 'a-secret-key-of-24-chars-or-more';
const OTHER_SECRET = 'another-secret-of-24-chars-or-more';

function openDashboard() {
  return openTestCollector(
    configInput(
      siteInput({ secretKey: SECRET, name: 'Test shop' }),
      siteInput({ key: 'other-shop', secretKey: OTHER_SECRET }),
      siteInput({ key: 'closed-shop' }),
    ),
  );
}

const fromAddress = (address: string) => ({ incoming: { socket: { remoteAddress: address } } });

describe('dashboard sign-in', () => {
  it('sends visitors without a session to the form', async () => {
    const collector = openDashboard();

    const response = await collector.app.request('/dashboard/customers?segment=loyal');

    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/dashboard/login?next=%2Fdashboard%2Fcustomers%3Fsegment%3Dloyal');
  });

  it('signs in with the secret and sets a strict cookie', async () => {
    const collector = openDashboard();
    const form = await openLoginForm(collector);

    const response = await postLogin(collector, { csrf: form.token, site: 'test-shop', secret: SECRET }, { cookies: form.cookies });

    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/dashboard');
    const cookie = response.headers.getSetCookie().find((header) => header.startsWith('patron_dashboard='))!;
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Strict/);
    expect(cookie).toMatch(/; Path=\/dashboard(;|$)/);
    expect(cookie).toMatch(/; Max-Age=28800/);
    expect(cookie).not.toMatch(/; Secure/);
    expect(cookie).not.toContain(SECRET);
  });

  it('marks the cookie Secure behind an HTTPS proxy', async () => {
    const collector = openDashboard();
    const form = await openLoginForm(collector);

    const response = await postLogin(collector, { csrf: form.token, site: 'test-shop', secret: SECRET }, { cookies: form.cookies, headers: { 'X-Forwarded-Proto': 'https' } });

    expect(response.headers.getSetCookie().find((header) => header.startsWith('patron_dashboard='))).toMatch(/; Secure/);
  });

  it('returns to the page asked for, never to another site', async () => {
    const collector = openDashboard();
    const form = await openLoginForm(collector);
    const back = await postLogin(collector, { csrf: form.token, site: 'test-shop', secret: SECRET, next: '/dashboard/segments?tz=Europe/London' }, { cookies: form.cookies });
    const second = await openLoginForm(collector);
    const away = await postLogin(collector, { csrf: second.token, site: 'test-shop', secret: SECRET, next: 'https://evil.example/dashboard' }, { cookies: second.cookies });
    const third = await openLoginForm(collector);
    const slashes = await postLogin(collector, { csrf: third.token, site: 'test-shop', secret: SECRET, next: '/dashboard//evil.example' }, { cookies: third.cookies });

    expect(back.headers.get('location')).toBe('/dashboard/segments?tz=Europe/London');
    expect(away.headers.get('location')).toBe('/dashboard');
    expect(slashes.headers.get('location')).toBe('/dashboard');
  });

  it('rejects a wrong secret', async () => {
    const collector = openDashboard();
    const form = await openLoginForm(collector);

    const response = await postLogin(collector, { csrf: form.token, site: 'test-shop', secret: OTHER_SECRET }, { cookies: form.cookies });

    expect(response.status).toBe(403);
    expect(textOf(await response.text())).toContain('Wrong secret key for site "test-shop".');
    expect(cookiesOf(response).patron_dashboard).toBeUndefined();
  });

  it('names an unknown site', async () => {
    const collector = openDashboard();
    const form = await openLoginForm(collector);

    const response = await postLogin(collector, { csrf: form.token, site: 'no-such-shop', secret: SECRET }, { cookies: form.cookies });

    expect(response.status).toBe(403);
    expect(textOf(await response.text())).toContain('No site "no-such-shop" on this collector.');
  });

  it('keeps a site without a secret closed', async () => {
    const collector = openDashboard();
    const form = await openLoginForm(collector);

    const response = await postLogin(collector, { csrf: form.token, site: 'closed-shop', secret: SECRET }, { cookies: form.cookies });

    expect(response.status).toBe(403);
    expect(textOf(await response.text())).toContain('Site "closed-shop" has no secret key configured, so its dashboard is closed.');
  });

  it('rejects a login without the form token', async () => {
    const collector = openDashboard();
    const form = await openLoginForm(collector);

    const withoutCookie = await postLogin(collector, { csrf: form.token, site: 'test-shop', secret: SECRET });
    const withoutField = await postLogin(collector, { site: 'test-shop', secret: SECRET }, { cookies: form.cookies });
    const otherToken = await postLogin(collector, { csrf: 'x'.repeat(form.token.length), site: 'test-shop', secret: SECRET }, { cookies: form.cookies });

    for (const response of [withoutCookie, withoutField, otherToken]) {
      expect(response.status).toBe(403);
      expect(cookiesOf(response).patron_dashboard).toBeUndefined();
    }
  });

  it('rejects a login posted from another origin', async () => {
    const collector = openDashboard();
    const form = await openLoginForm(collector);

    const byOrigin = await postLogin(collector, { csrf: form.token, site: 'test-shop', secret: SECRET }, { cookies: form.cookies, headers: { Origin: 'https://evil.example' } });
    const byFetchSite = await postLogin(collector, { csrf: form.token, site: 'test-shop', secret: SECRET }, { cookies: form.cookies, headers: { 'Sec-Fetch-Site': 'cross-site' } });

    expect(byOrigin.status).toBe(403);
    expect(byFetchSite.status).toBe(403);
  });

  it('throttles failed logins per address', async () => {
    const collector = openDashboard();
    const attempt = async (address: string, secret: string) => {
      const form = await openLoginForm(collector);
      return postLogin(collector, { csrf: form.token, site: 'test-shop', secret }, { cookies: form.cookies, env: fromAddress(address) });
    };

    for (let n = 0; n < MAX_FAILED_LOGINS; n++) expect((await attempt('192.0.2.1', 'wrong')).status).toBe(403);
    const blocked = await attempt('192.0.2.1', SECRET);
    const elsewhere = await attempt('192.0.2.2', SECRET);

    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(800);
    expect(textOf(await blocked.text())).toContain('Too many failed sign-ins from your address.');
    expect(elsewhere.status).toBe(303);
  });

  it('sends security headers and no secret', async () => {
    const collector = openDashboard();
    const { get } = await signIn(collector, 'test-shop', SECRET);

    const response = await get('/dashboard');
    const html = await response.text();

    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toContain(SECRET);
  });

  it('serves the style sheet without a session', async () => {
    const collector = openDashboard();

    const response = await collector.app.request('/dashboard/style.css');

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/css');
  });
});

describe('dashboard sessions', () => {
  it('ends the session on sign-out', async () => {
    const collector = openDashboard();
    const { session, get, page } = await signIn(collector, 'test-shop', SECRET);
    const token = /name="csrf" value="([^"]+)"/.exec(await page('/dashboard'))![1]!;

    const response = await collector.app.request('/dashboard/logout', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: ORIGIN, Cookie: `patron_dashboard=${session}` },
      body: new URLSearchParams({ csrf: token }).toString(),
    });

    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/dashboard/login?signed-out');
    expect(response.headers.getSetCookie().some((header) => header.startsWith('patron_dashboard=;'))).toBe(true);
    expect((await get('/dashboard')).status).toBe(303);
  });

  it('rejects a sign-out without the session token', async () => {
    const collector = openDashboard();
    const { session, get } = await signIn(collector, 'test-shop', SECRET);

    const response = await collector.app.request('/dashboard/logout', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: ORIGIN, Cookie: `patron_dashboard=${session}` },
      body: new URLSearchParams({ csrf: 'forged' }).toString(),
    });

    expect(response.status).toBe(403);
    expect((await get('/dashboard')).status).toBe(200);
  });

  it('shows one site only', async () => {
    const collector = openDashboard();
    await collector.storeEvents([purchase('order-a', '10.00', { visitorId: 'only-in-test-shop' })]);
    await collector.storeEvents([purchase('order-b', '20.00', { visitorId: 'only-in-other-shop' })], { siteKey: 'other-shop' });
    const { get, page } = await signIn(collector, 'other-shop', OTHER_SECRET);

    const customers = rowIdsOf(await page('/dashboard/customers'), 'customers');
    const foreign = await get(`/dashboard/customers/${encodeURIComponent('v:only-in-test-shop')}`);

    expect(customers).toEqual(['v:only-in-other-shop']);
    expect(foreign.status).toBe(404);
    expect(textOf(await foreign.text())).toContain('No customer "v:only-in-test-shop" on site "other-shop".');
  });

  it('rejects a session id it did not issue', async () => {
    const collector = openDashboard();

    const response = await collector.app.request('/dashboard', { headers: { Cookie: cookieHeader({ patron_dashboard: 'made-up' }) } });

    expect(response.status).toBe(303);
  });

  it('ends sessions when the secret changes', async () => {
    process.env.PATRON_TEST_DASHBOARD_SECRET = SECRET;
    onTestFinished(() => {
      delete process.env.PATRON_TEST_DASHBOARD_SECRET;
    });
    const collector = openTestCollector(configInput(siteInput({ secretKey: 'env:PATRON_TEST_DASHBOARD_SECRET' })));
    const { get } = await signIn(collector, 'test-shop', SECRET);

    process.env.PATRON_TEST_DASHBOARD_SECRET = OTHER_SECRET;
    const response = await get('/dashboard');

    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/dashboard/login?expired=&next=%2Fdashboard');
  });

  it('renders unknown pages as HTML', async () => {
    const collector = openDashboard();
    const { get } = await signIn(collector, 'test-shop', SECRET);

    const response = await get('/dashboard/no-such-page');

    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toContain('text/html');
  });
});
