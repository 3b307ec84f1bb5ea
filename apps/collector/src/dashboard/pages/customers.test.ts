import { describe, expect, it } from 'vitest';
import { configInput, item, openTestCollector, pageView, purchase, responseJson, siteInput, type TestCollector } from '../../test/harness.js';
import { metricOf, rowIdsOf, signIn, tableOf, textOf } from '../testing.js';

const SECRET = 'a-secret-key-of-24-chars-or-more';
const always = { fact: 'visitor.sessions', op: 'gte', value: 0 } as const;

function openCustomers() {
  return openTestCollector(
    configInput(siteInput({ secretKey: SECRET, offers: [{ id: 'welcome', title: 'Welcome', message: 'Hello.', when: always, variants: [{ id: 'short', message: 'Hi.' }] }] })),
  );
}

/** Inserts customers u:c1 … u:cN directly, with revenue falling from N pounds to 1 pound. */
function insertCustomers(collector: TestCollector, count: number, fields: (n: number) => { segment?: string; tier?: string; email?: string; name?: string } = () => ({})) {
  const insert = collector.sqlite.prepare(
    "INSERT INTO profiles (site_key, id, user_id, first_seen, last_seen, orders, revenue, last_order_at, segment, tier, traits) VALUES ('test-shop', ?, ?, 0, 0, 1, ?, ?, ?, ?, ?)",
  );
  collector.sqlite.transaction(() => {
    for (let n = 1; n <= count; n++) {
      const extra = fields(n);
      const traits = { ...(extra.email ? { email: extra.email } : {}), ...(extra.name ? { name: extra.name } : {}) };
      insert.run(`u:c${n}`, `c${n}`, (count - n + 1) * 100, Date.parse('2026-01-01T00:00:00Z'), extra.segment ?? null, extra.tier ?? null, JSON.stringify(traits));
    }
  })();
}

/** The profile ids of the customers table's rows. */
const idColumn = (html: string) => rowIdsOf(html, 'customers');

describe('customers page', () => {
  it('lists customers by revenue, 50 a page', async () => {
    const collector = openCustomers();
    insertCustomers(collector, 120);
    const { page } = await signIn(collector, 'test-shop', SECRET);

    const first = await page('/dashboard/customers');
    const third = await page('/dashboard/customers?page=3');

    expect(metricOf(first, 'customer-count')).toBe('120 customers.');
    expect(idColumn(first)).toHaveLength(50);
    expect(tableOf(first, 'customers')[0]).toEqual(['1', 'c1', '—', '—', '1', '£120.00', '1 Jan 2026']);
    expect(idColumn(third)).toEqual(Array.from({ length: 20 }, (_, index) => `u:c${101 + index}`));
    expect(textOf(third)).toContain('101–120 of 120 (page 3 of 3)');
  });

  it('leaves all but name, segment, revenue and last order to wider screens', async () => {
    const collector = openCustomers();
    insertCustomers(collector, 1);
    const { get, page } = await signIn(collector, 'test-shop', SECRET);

    const html = await page('/dashboard/customers');
    const styles = await (await get('/dashboard/style.css')).text();
    const headings = [...html.matchAll(/<th scope="col"(?: class="([^"]*)")?>\s*([^<]*?)\s*<\/th>/g)].map((match) => [match[2], (match[1] ?? '').includes('secondary')]);

    expect(Object.fromEntries(headings)).toEqual({ Rank: true, Customer: false, Segment: false, Tier: true, Orders: true, Revenue: false, 'Last order': false });
    expect(styles).toMatch(/@media \(max-width: 640px\) \{[^@]*\n {2}\.secondary \{ display: none; \}/);
    expect(textOf(html)).toContain('On a narrow screen the list leaves out rank, tier, orders and predictions');
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

  it('shows each customer by name, email, user id or a shortened visitor id', async () => {
    const collector = openCustomers();
    const visitor = { visitorId: '3f9a2c1b-77d0-4e5a-9c1e-5b6f0a2d4e81' };
    await collector.storeEvents([
      { ...pageView({ visitorId: 'ada-laptop' }), type: 'identify', userId: 'ada', traits: { name: 'Ada Lovelace', email: 'ada@example.com' } },
      purchase('order-ada', '40.00', { visitorId: 'ada-laptop' }),
      { ...pageView({ visitorId: 'grace-phone' }), type: 'identify', userId: 'grace', traits: { firstName: 'Grace', lastName: 'Hopper' } },
      purchase('order-grace', '30.00', { visitorId: 'grace-phone' }),
      { ...pageView({ visitorId: 'alan-tablet' }), type: 'identify', userId: 'alan', traits: { email: 'alan@example.com' } },
      purchase('order-alan', '20.00', { visitorId: 'alan-tablet' }),
      { ...pageView({ visitorId: 'edsger-desk' }), type: 'identify', userId: 'edsger' },
      purchase('order-edsger', '10.00', { visitorId: 'edsger-desk' }),
      purchase('order-anonymous', '5.00', visitor),
    ]);
    const { page } = await signIn(collector, 'test-shop', SECRET);

    const html = await page('/dashboard/customers');

    expect(tableOf(html, 'customers').map((row) => row[1])).toEqual(['Ada Lovelace', 'Grace Hopper', 'alan@example.com', 'edsger', 'Visitor 3f9a2c1b']);
    expect(idColumn(html)).toEqual(['u:ada', 'u:grace', 'u:alan', 'u:edsger', `v:${visitor.visitorId}`]);
  });

  it('finds customers by what the list shows for them', async () => {
    const collector = openCustomers();
    insertCustomers(collector, 3, (n) => ({ name: ['Ada Lovelace', 'Grace Hopper', 'Ada Yonath'][n - 1], email: `customer${n}@example.com` }));
    await collector.storeEvents([pageView({ visitorId: '3f9a2c1b-77d0-4e5a-9c1e-5b6f0a2d4e81' })]);
    const { page } = await signIn(collector, 'test-shop', SECRET);
    const search = async (term: string) => idColumn(await page(`/dashboard/customers?q=${encodeURIComponent(term)}`));

    expect(await search('Grace Hopper')).toEqual(['u:c2']);
    expect(await search('ada')).toEqual(['u:c1', 'u:c3']);
    expect(await search('CUSTOMER3@')).toEqual(['u:c3']);
    expect(await search('Visitor 3f9a2c1b')).toEqual(['v:3f9a2c1b-77d0-4e5a-9c1e-5b6f0a2d4e81']);
    expect(await search('3f9a2c')).toEqual(['v:3f9a2c1b-77d0-4e5a-9c1e-5b6f0a2d4e81']);
    expect(tableOf(await page('/dashboard/customers?q=hopper'), 'customers').map((row) => row[0])).toEqual(['Grace Hopper']);
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

  it('shows what was refunded on each order, and refunds that match no order', async () => {
    const collector = openCustomers();
    insertCustomers(collector, 1);
    const insertOrder = collector.sqlite.prepare(
      "INSERT INTO orders (site_key, transaction_id, profile_id, placed_at, currency, value, refunded, items, source, confirmed) VALUES ('test-shop', ?, 'u:c1', ?, 'GBP', ?, ?, '[]', 'import', 1)",
    );
    insertOrder.run('581001', Date.parse('2011-11-01T10:00:00Z'), 5000, 1500);
    insertOrder.run('581002', Date.parse('2011-11-20T10:00:00Z'), 2000, 0);
    collector.sqlite
      .prepare("INSERT INTO refunds (site_key, id, profile_id, refunded_at, currency, amount, source) VALUES ('test-shop', 'C581010', 'u:c1', ?, 'GBP', 700, 'import')")
      .run(Date.parse('2011-11-10T10:00:00Z'));
    const { page } = await signIn(collector, 'test-shop', SECRET);

    const html = await page(`/dashboard/customers/${encodeURIComponent('u:c1')}`);

    // Placed, order, items, value, refunded, net, source, coupon.
    expect(tableOf(html, 'orders').map((row) => row.slice(1, 6))).toEqual([
      ['581002', '0', '£20.00', '—', '£20.00'],
      ['C581010 refund without a matching order', '—', '—', '£7.00', '-£7.00'],
      ['581001', '0', '£50.00', '£15.00', '£35.00'],
    ]);
    expect(textOf(html)).toContain('Every order and refund without a matching order, latest first');
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
