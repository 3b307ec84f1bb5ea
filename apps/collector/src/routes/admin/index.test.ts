import { describe, expect, it } from 'vitest';
import { addToCart, configInput, item, openTestCollector, pageView, purchase, responseJson, siteInput, SITE_KEY } from '../../test/harness.js';

const SECRET = 'a-secret-key-of-24-chars-or-more';
const auth = { Authorization: `Bearer ${SECRET}` };

function openAdmin(overrides: Parameters<typeof siteInput>[0] = {}) {
  return openTestCollector(configInput(siteInput({ secretKey: SECRET, minCustomersForScores: 5, ...overrides })));
}

const get = (collector: ReturnType<typeof openTestCollector>, path: string, headers: Record<string, string> = auth) =>
  collector.app.request(`/v1/admin/sites/${SITE_KEY}${path}`, { headers });

/** Stores purchases for `count` visitors: visitor i spends (i + 1) × £10. */
async function seedBuyers(collector: ReturnType<typeof openTestCollector>, count: number) {
  for (let i = 0; i < count; i++) {
    await collector.storeEvents([pageView({ visitorId: `buyer-${i}` }), purchase(`T-${i}`, (i + 1) * 10, { visitorId: `buyer-${i}` })]);
  }
}

describe('admin authentication', () => {
  it.each([
    ['no key', {}],
    ['a wrong key', { Authorization: 'Bearer not-the-secret-key-at-all-x' }],
    ['another scheme', { Authorization: `Basic ${SECRET}` }],
  ])('rejects %s with 401', async (_case, headers) => {
    const collector = openAdmin();
    const response = await get(collector, '/customers', headers);
    const body = await responseJson(response);

    expect(response.status).toBe(401);
    expect(body.code).toBe('unauthorized');
    expect(String(body.message)).not.toContain(SECRET);
  });

  it('accepts the scheme in any case', async () => {
    const collector = openAdmin();
    expect((await get(collector, '/customers', { Authorization: `bearer ${SECRET}` })).status).toBe(200);
  });

  it('rejects extra credentials', async () => {
    const collector = openAdmin();
    expect((await get(collector, '/customers', { Authorization: `Bearer ${SECRET} extra` })).status).toBe(401);
  });

  it('rejects a site without secret key', async () => {
    const collector = openTestCollector();
    const response = await get(collector, '/customers');

    expect(response.status).toBe(401);
    expect(String((await responseJson(response)).message)).toContain('has no secret key configured');
  });

  it('reads the key from the environment', async () => {
    process.env.PATRON_TEST_SECRET = SECRET;
    const collector = openAdmin({ secretKey: 'env:PATRON_TEST_SECRET' });
    const response = await get(collector, '/customers');
    delete process.env.PATRON_TEST_SECRET;

    expect(response.status).toBe(200);
  });
});

describe('admin customers', () => {
  it('lists customers by revenue with segments after scoring', async () => {
    const collector = openAdmin();
    await seedBuyers(collector, 10);
    const scores = await collector.app.request(`/v1/admin/sites/${SITE_KEY}/scores`, { method: 'POST', headers: auth });
    const response = await get(collector, '/customers?limit=3');
    const body = await responseJson<{ total: number; items: Array<{ id: string; revenue: number; segment: string; tier: string }> }>(response);

    expect((await responseJson(scores)).status).toBe('scored');
    expect(body.total).toBe(10);
    expect(body.items.map((customer) => customer.id)).toEqual(['v:buyer-9', 'v:buyer-8', 'v:buyer-7']);
    expect(body.items[0]).toMatchObject({ revenue: 10000, tier: 'platinum' });
    expect(typeof body.items[0]!.segment).toBe('string');
  });

  it('filters by tier', async () => {
    const collector = openAdmin();
    await seedBuyers(collector, 10);
    await collector.app.request(`/v1/admin/sites/${SITE_KEY}/scores`, { method: 'POST', headers: auth });
    const body = await responseJson<{ items: Array<{ tier: string }> }>(await get(collector, '/customers?tier=silver'));

    expect(body.items.length).toBeGreaterThan(0);
    expect(body.items.every((customer) => customer.tier === 'silver')).toBe(true);
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=abc', 'limit'],
    ['limit=1e2', 'limit'],
    ['offset=-1', 'offset'],
    ['segment=champion', 'segment'],
    ['tier=zzz', 'tier'],
    ['colour=red', 'colour'],
  ])('rejects %s naming the parameter', async (query, parameter) => {
    const collector = openAdmin();
    const response = await get(collector, `/customers?${query}`);
    const body = await responseJson<{ code: string; issues: Array<{ path: string }> }>(response);

    expect(response.status).toBe(400);
    expect(body.code).toBe('invalid_query');
    expect(JSON.stringify(body.issues)).toContain(parameter);
  });

  it('shows one customer with history', async () => {
    const collector = openAdmin();
    await collector.storeEvents([pageView(), addToCart([item('mug', 12)]), purchase('T-1', 12, { items: [item('mug', 12)] })]);
    const response = await get(collector, '/customers/v:visitor-1');
    const body = await responseJson<{ profile: { orders: number; revenue: number }; recentEvents: unknown[]; orders: Array<{ transactionId: string }> }>(response);

    expect(response.status).toBe(200);
    expect(body.profile).toMatchObject({ orders: 1, revenue: 1200 });
    expect(body.recentEvents).toHaveLength(3);
    expect(body.orders.map((order) => order.transactionId)).toEqual(['T-1']);
  });

  it('answers 404 for an unknown customer', async () => {
    const collector = openAdmin();
    expect((await get(collector, '/customers/u:nobody')).status).toBe(404);
  });

  it('reports segments', async () => {
    const collector = openAdmin();
    await seedBuyers(collector, 6);
    await collector.app.request(`/v1/admin/sites/${SITE_KEY}/scores`, { method: 'POST', headers: auth });
    const body = await responseJson<{ segments: Array<{ customers: number; revenueShare: number }> }>(await get(collector, '/segments'));

    expect(body.segments).toHaveLength(10);
    expect(body.segments.reduce((sum, segment) => sum + segment.customers, 0)).toBe(6);
    expect(body.segments.reduce((sum, segment) => sum + segment.revenueShare, 0)).toBeCloseTo(1);
  });
});

describe('order confirmation', () => {
  const confirm = (collector: ReturnType<typeof openTestCollector>, body: unknown, headers: Record<string, string> = auth) =>
    collector.postJson(`/v1/admin/sites/${SITE_KEY}/orders`, body, headers);

  it('confirms an order the browser reported', async () => {
    const collector = openAdmin();
    await collector.storeEvents([purchase('T-1', '24.00')]);
    const first = await confirm(collector, { transactionId: 'T-1', value: '24.00', currency: 'GBP', visitorId: 'visitor-1' });
    const again = await confirm(collector, { transactionId: 'T-1', value: '24.00', currency: 'GBP', visitorId: 'visitor-1' });

    expect((await responseJson(first)).status).toBe('confirmed');
    expect((await responseJson(again)).status).toBe('already_confirmed');
    expect(collector.rows('SELECT confirmed, source FROM orders')).toEqual([{ confirmed: 1, source: 'browser' }]);
  });

  it('takes the backend\'s value and customer over the browser\'s', async () => {
    const collector = openAdmin();
    await collector.storeEvents([purchase('F-1', '0.01')]);
    const response = await confirm(collector, { transactionId: 'F-1', value: '500.00', currency: 'GBP', customerId: 'frank' });

    expect((await responseJson(response)).status).toBe('confirmed');
    expect(collector.rows('SELECT profile_id, value, confirmed FROM orders')).toEqual([{ profile_id: 'u:frank', value: 50000, confirmed: 1 }]);
    expect(collector.rows("SELECT id, orders, revenue FROM profiles WHERE id IN ('u:frank', 'v:visitor-1') ORDER BY id")).toEqual([
      { id: 'u:frank', orders: 1, revenue: 50000 },
      { id: 'v:visitor-1', orders: 0, revenue: 0 },
    ]);
  });

  it('refuses to change a confirmed order', async () => {
    const collector = openAdmin();
    await confirm(collector, { transactionId: 'T-1', value: '10.00', currency: 'GBP', customerId: 'ada' });
    const response = await confirm(collector, { transactionId: 'T-1', value: '999.00', currency: 'EUR', customerId: 'other' });
    const body = await responseJson(response);

    expect(response.status).toBe(409);
    expect(body.code).toBe('conflict');
    expect(String(body.message)).toContain('currency GBP ≠ EUR');
  });

  it.each([
    ['a negative value', { value: -5 }, 'negative'],
    ['a negative item price', { items: [{ id: 'a', name: 'A', price: '-3', quantity: 1 }] }, 'negative'],
    ['a date in 1970', { placedAt: 1 }, 'between 2000-01-01'],
    ['a date far ahead', { placedAt: 99_999_999_999_999 }, 'between 2000-01-01'],
    ['a visitor id with a slash', { customerId: undefined, visitorId: 'a/b c' }, 'letters, digits'],
  ])('rejects %s', async (_case, change, message) => {
    const collector = openAdmin();
    const response = await confirm(collector, { transactionId: 'T-9', value: 1, currency: 'GBP', customerId: 'ada', ...change });

    expect(response.status).toBe(400);
    expect(String((await responseJson(response)).message)).toContain(message);
  });

  it('creates an order the browser never reported', async () => {
    const collector = openAdmin();
    const response = await confirm(collector, { transactionId: 'T-9', value: 99.5, currency: 'GBP', customerId: 'ada' });

    expect(response.status).toBe(201);
    expect(collector.rows('SELECT profile_id, value, confirmed, source FROM orders')).toEqual([
      { profile_id: 'u:ada', value: 9950, confirmed: 1, source: 'server' },
    ]);
    expect(collector.rows("SELECT orders, revenue FROM profiles WHERE id = 'u:ada'")).toEqual([{ orders: 1, revenue: 9950 }]);
  });

  it('rejects a confirmation without the key', async () => {
    const collector = openAdmin();
    const response = await confirm(collector, { transactionId: 'T-9', value: 1, currency: 'GBP', customerId: 'ada' }, {});

    expect(response.status).toBe(401);
  });

  it('rejects an ambiguous amount', async () => {
    const collector = openAdmin();
    const response = await confirm(collector, { transactionId: 'T-9', value: '6,795', currency: 'GBP', customerId: 'ada' });
    const body = await responseJson(response);

    expect(response.status).toBe(400);
    expect(String(body.message)).toContain('ambiguous');
  });

  it('scores only confirmed orders when asked', async () => {
    const collector = openAdmin({ scoreConfirmedOrdersOnly: true });
    await seedBuyers(collector, 6);
    for (let i = 0; i < 5; i++) await confirm(collector, { transactionId: `T-${i}`, value: (i + 1) * 10, currency: 'GBP', visitorId: `buyer-${i}` });
    const run = await responseJson(await collector.app.request(`/v1/admin/sites/${SITE_KEY}/scores`, { method: 'POST', headers: auth }));
    const scored = collector.rows<{ id: string }>('SELECT id FROM profiles WHERE segment IS NOT NULL ORDER BY id');

    expect(run).toMatchObject({ status: 'scored', customers: 5 });
    expect(scored.map((row) => row.id)).not.toContain('v:buyer-5');
  });

  it('keeps confirmations across a rebuild', async () => {
    const collector = openAdmin();
    await collector.storeEvents([purchase('T-1', '24.00')]);
    await confirm(collector, { transactionId: 'T-1', value: '24.00', currency: 'GBP', visitorId: 'visitor-1' });
    const { rebuildProfiles } = await import('../../profiles/rebuild.js');
    rebuildProfiles(collector.db, { key: SITE_KEY, currency: 'GBP' });

    expect(collector.rows('SELECT confirmed FROM orders')).toEqual([{ confirmed: 1 }]);
  });
});
