import type { OfferResponse } from '@patron/protocol';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SITE_KEY, configInput, openTestCollector, purchase, responseJson, siteInput, type TestCollector } from '../../test/harness.js';

const ADMIN_SECRET = 'admin-secret-of-24-chars-at-least';
const auth = { Authorization: `Bearer ${ADMIN_SECRET}` };
const base = `/v1/admin/sites/${SITE_KEY}`;
const always = { fact: 'visitor.sessions', op: 'gte', value: 0 } as const;

async function openShop(): Promise<TestCollector> {
  const collector = openTestCollector(
    configInput(
      siteInput({
        secretKey: ADMIN_SECRET,
        offers: [{ id: 'welcome', title: 'Welcome', message: 'Hello', when: always }],
        webhooks: [{ id: 'crm', url: 'http://127.0.0.1:9/hook', events: ['customer.first_purchase'], secret: 'webhook-secret-of-24-chars-at-least' }],
      }),
    ),
  );
  await collector.storeEvents([
    purchase('order-1', 120, { visitorId: 'visitor-a' }),
    { id: randomUUID(), type: 'identify', visitorId: 'visitor-a', sessionId: 'session-1', timestamp: Date.now(), userId: 'ada', traits: { email: 'ada@example.com' } },
    purchase('order-2', 30, { visitorId: 'visitor-b' }),
  ]);
  collector.sqlite.prepare("UPDATE profiles SET segment = 'champions' WHERE user_id = 'ada'").run();
  return collector;
}

const get = (collector: TestCollector, path: string) => collector.app.request(`${base}${path}`, { headers: auth });
const post = (collector: TestCollector, path: string) => collector.app.request(`${base}${path}`, { method: 'POST', headers: auth });

describe('webhook deliveries API', () => {
  it('lists deliveries by status', async () => {
    const collector = await openShop();
    collector.sqlite.prepare("UPDATE webhook_deliveries SET status = 'failed' WHERE profile_id = 'v:visitor-b'").run();

    const body = await responseJson<{ deliveries: Array<{ status: string; event: string; body: { customer: { id: string } } }> }>(await get(collector, '/webhooks/deliveries?status=failed'));

    expect(body.deliveries).toHaveLength(1);
    expect(body.deliveries[0]?.event).toBe('customer.first_purchase');
    expect(body.deliveries[0]?.body.customer.id).toBe('v:visitor-b');
  });

  it('replays one delivery', async () => {
    const collector = await openShop();
    collector.sqlite.prepare("UPDATE webhook_deliveries SET status = 'failed'").run();
    const [row] = collector.rows<{ id: string }>('SELECT id FROM webhook_deliveries ORDER BY id LIMIT 1');

    const response = await post(collector, `/webhooks/deliveries/${row!.id}/replay`);

    expect(response.status).toBe(200);
    expect(collector.rows<{ status: string }>('SELECT status FROM webhook_deliveries WHERE id = ?', row!.id)[0]?.status).toBe('pending');
    expect(collector.rows("SELECT id FROM webhook_deliveries WHERE status = 'failed'")).toHaveLength(1);
  });

  it('rejects an unknown delivery', async () => {
    const collector = await openShop();

    const response = await post(collector, '/webhooks/deliveries/nope/replay');

    expect(response.status).toBe(404);
  });

  it('rejects an invalid status', async () => {
    const collector = await openShop();

    const response = await get(collector, '/webhooks/deliveries?status=lost');

    expect(response.status).toBe(400);
  });
});

describe('audience export API', () => {
  it('streams a segment as CSV', async () => {
    const collector = await openShop();

    const response = await get(collector, '/audiences/export?segment=champions');
    const lines = (await response.text()).trim().split('\n');

    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(lines[0]).toBe('customer_id,user_id,email,segment,tier,orders,revenue,last_order_at,predicted_value,currency');
    expect(lines.slice(1).map((line) => line.split(',').slice(0, 3).join(','))).toEqual(['u:ada,ada,ada@example.com']);
  });

  it('exports an offer audience as JSON', async () => {
    const collector = await openShop();
    const decision = await responseJson<OfferResponse>(await collector.postJson('/v1/offer', { siteKey: SITE_KEY, visitorId: 'visitor-b' }));
    await collector.storeEvents([{ id: randomUUID(), type: 'offer_exposure', visitorId: 'visitor-b', sessionId: 's', timestamp: Date.now(), decisionId: decision.decisionId, ...decision.assignment }]);

    const rows = await responseJson<Array<{ customer_id: string }>>(await get(collector, '/audiences/export?offer=welcome&group=treatment&format=json'));

    expect(rows.map((row) => row.customer_id)).toEqual(['v:visitor-b']);
  });

  it('leaves out erased customers', async () => {
    const collector = await openShop();
    await collector.app.request(`${base}/customers/u:ada`, { method: 'DELETE', headers: auth });

    const rows = await responseJson<Array<{ customer_id: string }>>(await get(collector, '/audiences/export?format=json'));

    expect(rows.map((row) => row.customer_id)).toEqual(['v:visitor-b']);
    expect(collector.rows("SELECT id FROM webhook_deliveries WHERE profile_id IN ('u:ada', 'v:visitor-a')")).toEqual([]);
  });

  it('writes a header for an empty audience', async () => {
    const collector = await openShop();

    const text = await (await get(collector, '/audiences/export?tier=platinum')).text();

    expect(text.trim()).toBe('customer_id,user_id,email,segment,tier,orders,revenue,last_order_at,predicted_value,currency');
  });

  it('rejects group without offer', async () => {
    const collector = await openShop();

    const response = await get(collector, '/audiences/export?group=control');

    expect(response.status).toBe(400);
  });
});
