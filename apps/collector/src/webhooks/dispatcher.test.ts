import { createServer } from 'node:net';
import { verifyWebhook } from '@patron/tracker/webhooks';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import { configInput, openTestCollector, purchase, silentLogger, siteInput, type SiteInput, type TestCollector } from '../test/harness.js';
import { retryAfterMs, WebhookDispatcher } from './dispatcher.js';
import { startReceiver, type Behaviour } from './test-receiver.js';

const SECRET = 'webhook-secret-of-24-chars-at-least';
const ADMIN_SECRET = 'admin-secret-of-24-chars-at-least';

type DeliveryRow = { id: string; webhook_id: string; status: string; attempts: number; last_error: string | null; last_status: number | null };

/** A port on 127.0.0.1 where nothing listens, so connections are refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function openWithWebhooks(urls: Record<string, string>, settings: Partial<NonNullable<SiteInput['webhookSettings']>> = {}) {
  const site = siteInput({
    secretKey: ADMIN_SECRET,
    webhooks: Object.entries(urls).map(([id, url]) => ({ id, url, events: ['customer.first_purchase'], secret: SECRET })),
    webhookSettings: { timeoutSeconds: 0.3, giveUpAfterHours: 2.5 / 3600, ...settings },
  });
  const collector = openTestCollector(configInput(site));
  const dispatcher = new WebhookDispatcher(collector.db, parseConfig(configInput(site)), silentLogger(), { pollMs: 20, baseDelayMs: 50, maxDelayMs: 200, random: () => 1 });
  return { collector, dispatcher };
}

/** Runs the dispatcher until no delivery is pending, or fails after `timeoutMs`. */
async function settle(collector: TestCollector, dispatcher: WebhookDispatcher, timeoutMs = 10_000): Promise<DeliveryRow[]> {
  dispatcher.start();
  const until = Date.now() + timeoutMs;
  try {
    while (Date.now() < until) {
      const rows = collector.rows<DeliveryRow>('SELECT id, webhook_id, status, attempts, last_error, last_status FROM webhook_deliveries ORDER BY webhook_id');
      if (rows.length > 0 && rows.every((row) => row.status !== 'pending')) return rows;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error('deliveries were still pending when the test timed out');
  } finally {
    await dispatcher.stop();
  }
}

describe('webhook dispatcher', () => {
  it('delivers a signed first purchase', async () => {
    const receiver = await startReceiver(SECRET);
    const { collector, dispatcher } = openWithWebhooks({ crm: `${receiver.url}/ok` });
    await collector.storeEvents([purchase('order-1', 42, { userId: 'customer-9' })]);

    const [row] = await settle(collector, dispatcher);

    expect(row?.status).toBe('delivered');
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]?.signatureValid).toBe(true);
    expect(receiver.received[0]?.event).toBe('customer.first_purchase');
    expect(receiver.received[0]?.deliveryId).toBe(row?.id);
    expect(receiver.received[0]?.body).toMatchObject({ id: row?.id, event: 'customer.first_purchase', site: 'test-shop', customer: { id: 'u:customer-9', orders: 1, revenue: 4200, currency: 'GBP' } });
    // The helper shops install verifies what the collector signs.
    expect((await verifyWebhook(receiver.received[0]!.rawBody, receiver.received[0]!.signature, SECRET)).id).toBe(row?.id);
  });

  it('enqueues a first purchase once', async () => {
    const receiver = await startReceiver(SECRET);
    const { collector } = openWithWebhooks({ crm: `${receiver.url}/ok` });

    await collector.storeEvents([purchase('order-1', 10)]);
    await collector.storeEvents([purchase('order-2', 10)]);

    expect(collector.rows('SELECT id FROM webhook_deliveries')).toHaveLength(1);
  });

  it('handles receivers that fail', { timeout: 20_000 }, async () => {
    const behaviours: Record<string, Behaviour> = {
      '/flaky': (attempt) => ({ status: attempt === 1 ? 500 : 200 }),
      '/busy': (attempt) => (attempt === 1 ? { status: 429, headers: { 'Retry-After': '1' } } : { status: 204 }),
      '/gone': () => ({ status: 410 }),
      '/hangs': () => 'hang',
    };
    const receiver = await startReceiver(SECRET, behaviours);
    const refused = `http://127.0.0.1:${await closedPort()}/refused`;
    const urls = { busy: `${receiver.url}/busy`, flaky: `${receiver.url}/flaky`, gone: `${receiver.url}/gone`, hangs: `${receiver.url}/hangs`, refused };
    const { collector, dispatcher } = openWithWebhooks(urls);
    await collector.storeEvents([purchase('order-1', 10)]);

    const rows = Object.fromEntries((await settle(collector, dispatcher)).map((row) => [row.webhook_id, row]));
    const to = (path: string) => receiver.received.filter((request) => request.path === path);

    expect(rows.flaky).toMatchObject({ status: 'delivered', attempts: 2 });
    expect(to('/flaky').map((request) => request.status)).toEqual([500, 200]);
    expect(rows.busy).toMatchObject({ status: 'delivered', attempts: 2 });
    expect(to('/busy')[1]!.at - to('/busy')[0]!.at).toBeGreaterThanOrEqual(950);
    expect(rows.gone).toMatchObject({ status: 'failed', attempts: 1, last_status: 410 });
    expect(to('/gone')).toHaveLength(1);
    expect(rows.hangs?.status).toBe('failed');
    expect(rows.hangs?.last_error).toBe('timed out after 300 ms');
    expect(rows.refused?.status).toBe('failed');
    expect(rows.refused?.last_error).toContain('ECONNREFUSED');
    expect(rows.refused?.attempts).toBeGreaterThan(1);
    expect(receiver.received.every((request) => request.signatureValid)).toBe(true);
  });

  it('never answers twice with 2xx', async () => {
    const receiver = await startReceiver(SECRET, { '/flaky': (attempt) => ({ status: attempt % 2 === 1 ? 503 : 200 }) });
    const { collector, dispatcher } = openWithWebhooks({ crm: `${receiver.url}/flaky` });
    for (let n = 0; n < 10; n++) await collector.storeEvents([purchase(`order-${n}`, 10, { visitorId: `visitor-${n}` })]);

    const rows = await settle(collector, dispatcher);
    const successes = receiver.received.filter((request) => request.status === 200).map((request) => request.deliveryId);

    expect(rows.every((row) => row.status === 'delivered')).toBe(true);
    expect(successes.sort()).toEqual(rows.map((row) => row.id).sort());
  });

  it('leaves out erased customers', async () => {
    const receiver = await startReceiver(SECRET);
    const { collector, dispatcher } = openWithWebhooks({ crm: `${receiver.url}/ok` });
    await collector.storeEvents([purchase('order-1', 10, { userId: 'erase-me' }), purchase('order-2', 10, { visitorId: 'visitor-2' })]);

    const erased = await collector.app.request('/v1/admin/sites/test-shop/customers/u:erase-me', { method: 'DELETE', headers: { Authorization: `Bearer ${ADMIN_SECRET}` } });
    const rows = await settle(collector, dispatcher);

    expect(erased.status).toBe(200);
    expect(rows).toHaveLength(1);
    expect(receiver.received.map((request) => (request.body.customer as { id: string }).id)).toEqual(['v:visitor-2']);
  });
});

describe('retryAfterMs', () => {
  it('reads seconds', () => {
    expect(retryAfterMs('120')).toBe(120_000);
  });

  it('reads an HTTP date', () => {
    expect(retryAfterMs('Fri, 04 Dec 2026 12:00:30 GMT', Date.parse('2026-12-04T12:00:00Z'))).toBe(30_000);
  });

  it('ignores nonsense', () => {
    expect(retryAfterMs('soon')).toBeUndefined();
  });
});
