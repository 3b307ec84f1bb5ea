import type { OfferResponse } from '@patron/protocol';
import { describe, expect, it } from 'vitest';
import { postLogin, openLoginForm } from './dashboard/testing.js';
import {
  SITE_KEY,
  addToCart,
  configInput,
  item,
  openTestCollector,
  pageView,
  purchase,
  recordingLogger,
  responseJson,
  siteInput,
  type TestCollector,
} from './test/harness.js';

const SECRET = 'security-check-secret-key-0123';
const CLIENT_ADDRESS = '198.51.100.77';
const FORWARDED_ADDRESS = '203.0.113.99';
const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) SecurityCheck/1.0';
const welcome = { id: 'welcome', title: 'Welcome', message: 'Take 5% off.', when: { fact: 'visitor.sessions', op: 'gte', value: 0 } } as const;

/** Every row of every table, as one JSON text, to search for a value that must not be stored. */
function databaseText(collector: TestCollector): string {
  const tables = collector.rows<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").map((row) => row.name);
  return JSON.stringify(tables.map((table) => [table, collector.rows(`SELECT * FROM "${table}"`)]));
}

/** Sends a request the way @hono/node-server does, from a TCP peer at CLIENT_ADDRESS. */
async function fromClient(collector: TestCollector, path: string, body: unknown, headers: Record<string, string> = {}) {
  return collector.app.request(
    path,
    {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain', 'User-Agent': USER_AGENT, 'X-Forwarded-For': FORWARDED_ADDRESS, ...headers },
      body: JSON.stringify(body),
    },
    { incoming: { socket: { remoteAddress: CLIENT_ADDRESS } } },
  );
}

describe('secret keys', () => {
  it('stay out of logs, responses and rows', async () => {
    const { logger, records } = recordingLogger();
    const collector = openTestCollector(configInput(siteInput({ secretKey: SECRET, identityVerification: 'required', offers: [welcome] })), logger);
    const texts: string[] = [];
    const admin = async (path: string, init: RequestInit = {}, key = SECRET) => {
      const response = await collector.app.request(`/v1/admin/sites/${SITE_KEY}${path}`, { ...init, headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json', ...init.headers } });
      texts.push(await response.text());
      return response.status;
    };

    await collector.storeEvents([pageView(), purchase('order-1', 20), { ...pageView(), type: 'identify', userId: 'ada', userHash: 'not-the-right-hash' }]);
    const statuses = [
      await admin('/customers', {}, `${SECRET}x`),
      await admin('/customers', {}, SECRET.slice(0, -1)),
      await admin('/customers'),
      await admin('/orders', { method: 'POST', body: JSON.stringify({ transactionId: 'order-2', value: '5.00', currency: 'GBP', visitorId: 'visitor-1' }) }),
      await admin('/offers/welcome/preview', { method: 'POST', body: '{}' }),
    ];
    const offer = await collector.postJson('/v1/offer', { siteKey: SITE_KEY, visitorId: 'visitor-1' });
    texts.push(await offer.text());
    const form = await openLoginForm(collector);
    const login = await postLogin(collector, { site: SITE_KEY, secret: `${SECRET}-wrong`, csrf: form.token }, { cookies: form.cookies });
    texts.push(await login.text());

    expect(statuses).toEqual([401, 401, 200, 201, 200]);
    expect(login.status).toBe(403);
    expect(JSON.parse(texts.at(-2)!).pass).toMatch(/^p1\./);
    expect(records.length).toBeGreaterThan(0);
    expect(JSON.stringify(records)).not.toContain(SECRET);
    for (const text of texts) expect(text).not.toContain(SECRET);
    expect(databaseText(collector)).not.toContain(SECRET);
  });
});

describe('client addresses of event and offer requests', () => {
  it('are not stored or logged', async () => {
    const { logger, records } = recordingLogger();
    const collector = openTestCollector(configInput(siteInput({ secretKey: SECRET, offers: [welcome] })), logger);

    const batch = { siteKey: SITE_KEY, sentAt: Date.now(), events: [pageView(), addToCart([item('teapot', '24.00')]), purchase('order-1', '24.00'), { type: 'page_view' }] };
    const stored = await responseJson(await fromClient(collector, '/v1/events', batch));
    const decision = await responseJson<OfferResponse>(await fromClient(collector, '/v1/offer', { siteKey: SITE_KEY, visitorId: 'visitor-1', context: { sessionId: 'session-1' } }));
    // The default limit of one address is a burst of 60, so one of these is rejected and logged.
    const statuses: number[] = [];
    while (statuses.length < 200 && statuses.at(-1) !== 429) statuses.push((await fromClient(collector, '/v1/events', { ...batch, events: [pageView()] })).status);

    expect(stored).toMatchObject({ accepted: 3, rejected: [{ index: 3 }] });
    expect(decision.offer?.id).toBe('welcome');
    expect(statuses.at(-1)).toBe(429);
    expect(records.some((record) => String(record.msg).startsWith('requests rate limited'))).toBe(true);
    const rows = databaseText(collector);
    const logs = JSON.stringify(records);
    for (const value of [CLIENT_ADDRESS, FORWARDED_ADDRESS, USER_AGENT]) {
      expect(rows).not.toContain(value);
      expect(logs).not.toContain(value);
    }
  });
});
