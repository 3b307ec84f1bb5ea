import { describe, expect, it } from 'vitest';
import { configInput, item, openTestCollector, pageView, purchase, responseJson, siteInput, type TestCollector } from '../../test/harness.js';
import { metricOf, signIn, tableOf, textOf } from '../testing.js';

const SECRET = 'a-secret-key-of-24-chars-or-more';
const always = { fact: 'visitor.sessions', op: 'gte', value: 0 } as const;

function openCustomers() {
  return openTestCollector(
    configInput(siteInput({ secretKey: SECRET, offers: [{ id: 'welcome', title: 'Welcome', message: 'Hello.', when: always, variants: [{ id: 'short', message: 'Hi.' }] }] })),
  );
}

/** Inserts customers u:c1 … u:cN directly, with revenue falling from N pounds to 1 pound. */
function insertCustomers(collector: TestCollector, count: number, fields: (n: number) => { segment?: string; tier?: string; email?: string } = () => ({})) {
  const insert = collector.sqlite.prepare(
    "INSERT INTO profiles (site_key, id, user_id, first_seen, last_seen, orders, revenue, last_order_at, segment, tier, traits) VALUES ('test-shop', ?, ?, 0, 0, 1, ?, ?, ?, ?, ?)",
  );
  collector.sqlite.transaction(() => {
    for (let n = 1; n <= count; n++) {
      const extra = fields(n);
      insert.run(`u:c${n}`, `c${n}`, (count - n + 1) * 100, Date.parse('2026-01-01T00:00:00Z'), extra.segment ?? null, extra.tier ?? null, JSON.stringify(extra.email ? { email: extra.email } : {}));
    }
  })();
}

/** The customer ids of the table, which is the second column of a ranked list and the first of search results. */
const idColumn = (html: string) => tableOf(html, 'customers').map((row) => row.find((cell) => /^[uv]:/.test(cell)));

describe('customers page', () => {
  it('lists customers by revenue, 50 a page', async () => {
    const collector = openCustomers();
    insertCustomers(collector, 120);
    const { page } = await signIn(collector, 'test-shop', SECRET);

    const first = await page('/dashboard/customers');
    const third = await page('/dashboard/customers?page=3');

    expect(metricOf(first, 'customer-count')).toBe('120 customers.');
    expect(idColumn(first)).toHaveLength(50);
    expect(tableOf(first, 'customers')[0]).toEqual(['1', 'u:c1', '—', '—', '1', '£120.00', '1 Jan 2026']);
    expect(idColumn(third)).toEqual(Array.from({ length: 20 }, (_, index) => `u:c${101 + index}`));
    expect(textOf(third)).toContain('101–120 of 120 (page 3 of 3)');
  });

  it('shows the last page for a page past the end', async () => {
    const collector = openCustomers();
    insertCustomers(collector, 60);
    const { page } = await signIn(collector, 'test-shop', SECRET);

    const html = await page('/dashboard/customers?page=99');

    expect(textOf(html)).toContain('There are only 2 pages, so the last one is shown.');
    expect(idColumn(html)).toHaveLength(10);
  });

  it('filters by segment and tier', async () => {
    const collector = openCustomers();
    insertCustomers(collector, 10, (n) => ({ segment: n <= 3 ? 'champions' : 'hibernating', tier: n === 1 ? 'platinum' : 'bronze' }));
    const { page } = await signIn(collector, 'test-shop', SECRET);

    const champions = await page('/dashboard/customers?segment=champions');
    const platinumChampions = await page('/dashboard/customers?segment=champions&tier=platinum');
    const unknown = await page('/dashboard/customers?segment=royalty');

    expect(idColumn(champions)).toEqual(['u:c1', 'u:c2', 'u:c3']);
    expect(metricOf(champions, 'customer-count')).toBe('3 customers in segment champions.');
    expect(idColumn(platinumChampions)).toEqual(['u:c1']);
    expect(textOf(unknown)).toContain('Unknown segment "royalty", so every segment is shown.');
    expect(idColumn(unknown)).toHaveLength(10);
  });

  it('finds customers by id, user id and email', async () => {
    const collector = openCustomers();
    insertCustomers(collector, 5, (n) => ({ email: `Customer${n}@Example.com` }));
    await collector.storeEvents([pageView({ visitorId: 'visitor-without-orders' })]);
    const { page } = await signIn(collector, 'test-shop', SECRET);
    const search = async (term: string) => idColumn(await page(`/dashboard/customers?q=${encodeURIComponent(term)}`));

    expect(await search('u:c2')).toEqual(['u:c2']);
    expect(await search('c3')).toEqual(['u:c3']);
    expect(await search('customer4@example.com')).toEqual(['u:c4']);
    expect(await search('visitor-without-orders')).toEqual(['v:visitor-without-orders']);
    expect(textOf(await page('/dashboard/customers?q=nobody'))).toContain('0 profiles match “nobody”.');
  });
});

describe('customer page', () => {
  it('shows orders, interests and offers decided', async () => {
    const collector = openCustomers();
    const visitor = { visitorId: 'ann-laptop', sessionId: 'ann-session' };
    const viewItem = (id: string) => ({ ...pageView(visitor), type: 'view_item', currency: 'GBP', items: [{ ...item(id, '8.00'), category: 'Tableware' }] });
    await collector.storeEvents([
      { ...pageView(visitor), type: 'identify', userId: 'ann', traits: { email: 'ann@example.com' } },
      viewItem('teapot'),
      viewItem('teacup'),
      viewItem('teacup'),
      purchase('order-ann-1', '8.00', { ...visitor, items: [item('teapot', '8.00')] }),
    ]);
    const offer = await collector.postJson('/v1/offer', { siteKey: 'test-shop', visitorId: 'ann-laptop', placement: 'banner', context: { sessionId: 'ann-session' } });
    expect((await responseJson<{ offer: { id: string } | null }>(offer)).offer?.id).toBe('welcome');
    const { page } = await signIn(collector, 'test-shop', SECRET);

    const html = await page(`/dashboard/customers/${encodeURIComponent('u:ann')}`);

    expect(metricOf(html, 'customer-orders')).toBe('1');
    expect(metricOf(html, 'customer-revenue')).toBe('£8.00');
    expect(textOf(html)).toContain('User id ann · ann@example.com');
    expect(tableOf(html, 'orders').map((row) => [row[1], row[3]])).toEqual([['order-ann-1', '£8.00']]);
    expect(textOf(html)).toContain('Most viewed categories: Tableware (3)');
    expect(textOf(/data-list="viewed-not-bought">([\s\S]*?)<\/ul>/.exec(html)![1]!)).toBe('Product teacup (2 views)');
    expect(tableOf(html, 'offers-seen').map((row) => [row[1], row[2], row[3]])).toEqual([['welcome', 'short', 'shown']]);
    expect(tableOf(html, 'events').map((row) => row[1])).toContain('Purchased');
  });

  it('returns 404 for an unknown customer', async () => {
    const collector = openCustomers();
    const { get } = await signIn(collector, 'test-shop', SECRET);

    const response = await get('/dashboard/customers/u%3Anobody');

    expect(response.status).toBe(404);
    expect(textOf(await response.text())).toContain('No customer "u:nobody" on site "test-shop".');
  });

  it('escapes what customers send', async () => {
    const collector = openCustomers();
    await collector.storeEvents([{ ...pageView({ visitorId: 'mallory' }), type: 'identify', userId: 'mallory', traits: { name: '<script>alert(1)</script>' } }]);
    const { page } = await signIn(collector, 'test-shop', SECRET);

    const html = await page('/dashboard/customers/u%3Amallory');

    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });
});
