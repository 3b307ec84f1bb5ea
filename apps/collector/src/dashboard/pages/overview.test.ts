import { describe, expect, it } from 'vitest';
import { SESSION_ID, addToCart, configInput, item, openTestCollector, pageView, purchase, siteInput, type TestCollector } from '../../test/harness.js';
import { metricOf, signIn, tableOf, textOf } from '../testing.js';

const SECRET = 'a-secret-key-of-24-chars-or-more';
const HOUR = 60 * 60 * 1000;

function openOverview() {
  return openTestCollector(configInput(siteInput({ secretKey: SECRET })));
}

const viewItem = (id: string, price: string, overrides: Record<string, unknown>) => ({ ...pageView(overrides), type: 'view_item', currency: 'GBP', items: [item(id, price)] });

/** Stores an order row directly, as an import would, so that its time can lie in any year. */
function insertOrder(collector: TestCollector, id: string, placedAt: string, value: number, refunded = 0) {
  collector.sqlite
    .prepare("INSERT INTO orders (site_key, transaction_id, profile_id, placed_at, currency, value, refunded, source) VALUES ('test-shop', ?, ?, ?, 'GBP', ?, ?, 'import')")
    .run(id, `u:${id}`, Date.parse(placedAt), value, refunded);
}

/** Stores a page view directly, so that its time can lie in any year. */
function insertEvent(collector: TestCollector, visitorId: string, occurredAt: string) {
  const at = Date.parse(occurredAt);
  collector.sqlite
    .prepare("INSERT INTO events (site_key, id, type, visitor_id, session_id, occurred_at, client_time, received_at) VALUES ('test-shop', ?, 'page_view', ?, ?, ?, ?, ?)")
    .run(`${visitorId}-${at}`, visitorId, `${visitorId}-session`, at, at, at);
}

describe('overview page', () => {
  it('shows all-time totals, the funnel and abandoned baskets', async () => {
    const collector = openOverview();
    const twoHoursAgo = Date.now() - 2 * HOUR;
    const as = (visitorId: string) => ({ visitorId, sessionId: `${SESSION_ID}-${visitorId}` });
    await collector.storeEvents([
      pageView(as('buyer')),
      viewItem('teapot', '30.00', as('buyer')),
      addToCart([item('teapot', '30.00')], as('buyer')),
      { ...pageView(as('buyer')), type: 'begin_checkout', url: undefined, currency: 'GBP', value: '30.00', items: [item('teapot', '30.00')] },
      purchase('order-1', '30.00', as('buyer')),
      viewItem('lantern', '12.50', { ...as('leaver'), timestamp: twoHoursAgo }),
      addToCart([item('lantern', '12.50', 2)], { ...as('leaver'), timestamp: twoHoursAgo }),
      viewItem('teapot', '30.00', as('browser')),
    ]);
    const { page } = await signIn(collector, 'test-shop', SECRET);

    const html = await page('/dashboard');

    expect(metricOf(html, 'customers')).toBe('1');
    expect(metricOf(html, 'orders')).toBe('1');
    expect(metricOf(html, 'revenue')).toBe('£30.00');
    expect(metricOf(html, 'abandoned-carts')).toBe('1');
    expect(textOf(html)).toContain('worth £25.00');
    expect(metricOf(html, 'period-visitors')).toBe('3');
    expect(metricOf(html, 'period-orders')).toBe('1');
    expect(metricOf(html, 'period-revenue')).toBe('£30.00');
    expect(tableOf(html, 'funnel')).toEqual([
      ['Viewed a product', '', '3', ''],
      ['Added to basket', '', '2', '66.7%'],
      ['Began checkout', '', '1', '50%'],
      ['Purchased', '', '1', '100%'],
    ]);
  });

  it('counts each funnel step as the visitors who reached it or went further', async () => {
    const collector = openOverview();
    const as = (visitorId: string) => ({ visitorId, sessionId: `${SESSION_ID}-${visitorId}` });
    const checkout = (visitorId: string) => ({ ...pageView(as(visitorId)), type: 'begin_checkout', url: undefined, currency: 'GBP', value: '30.00', items: [item('teapot', '30.00')] });
    await collector.storeEvents([
      viewItem('teapot', '30.00', as('every-step')),
      addToCart([item('teapot', '30.00')], as('every-step')),
      checkout('every-step'),
      purchase('order-1', '30.00', as('every-step')),
      // An express payment button skips the basket and the checkout page.
      viewItem('teapot', '30.00', as('express')),
      purchase('order-2', '30.00', as('express')),
      purchase('order-3', '30.00', as('straight-to-buy')),
      addToCart([item('teapot', '30.00')], as('from-a-list')),
      viewItem('teapot', '30.00', as('browser')),
    ]);
    const { page } = await signIn(collector, 'test-shop', SECRET);

    const html = await page('/dashboard');

    expect(tableOf(html, 'funnel')).toEqual([
      ['Viewed a product', '', '5', ''],
      ['Added to basket', '', '4', '80%'],
      ['Began checkout', '', '3', '75%'],
      ['Purchased', '', '3', '100%'],
    ]);
    expect(textOf(html)).toContain('Each step counts the distinct visitors who reached it or a later step in the period');
  });

  it('buckets days in the chosen time zone', async () => {
    const collector = openOverview();
    // Britain moved to summer time at 01:00 UTC on 30 March 2025.
    insertOrder(collector, 'saturday-night', '2025-03-29T23:30:00Z', 1000);
    insertOrder(collector, 'sunday-night', '2025-03-30T23:30:00Z', 2000);
    const { page } = await signIn(collector, 'test-shop', SECRET);
    const days = async (tz: string) => {
      const html = await page(`/dashboard?period=custom&from=2025-03-29&to=2025-03-31&bucket=day&tz=${tz}`);
      return tableOf(html, 'activity').map(([day, , , orders, revenue]) => [day, orders, revenue]);
    };

    expect(await days('UTC')).toEqual([
      ['29 Mar', '1', '£10.00'],
      ['30 Mar', '1', '£20.00'],
      ['31 Mar', '0', '£0.00'],
    ]);
    expect(await days('Europe/London')).toEqual([
      ['29 Mar', '1', '£10.00'],
      ['30 Mar', '0', '£0.00'],
      ['31 Mar', '1', '£20.00'],
    ]);
  });

  it('starts weeks on Monday and months on the first', async () => {
    const collector = openOverview();
    insertOrder(collector, 'sunday', '2025-03-30T12:00:00Z', 1000);
    insertOrder(collector, 'monday', '2025-03-31T12:00:00Z', 2000);
    insertOrder(collector, 'tuesday', '2025-04-01T12:00:00Z', 4000);
    const { page } = await signIn(collector, 'test-shop', SECRET);
    const rows = async (bucket: string) =>
      tableOf(await page(`/dashboard?period=custom&from=2025-03-30&to=2025-04-01&bucket=${bucket}`), 'activity').map(([label, , , orders]) => [label, orders]);

    expect(await rows('week')).toEqual([
      ['24 Mar', '1'],
      ['31 Mar', '2'],
    ]);
    expect(await rows('month')).toEqual([
      ['Mar 2025', '2'],
      ['Apr 2025', '1'],
    ]);
  });

  it('takes refunds off revenue', async () => {
    const collector = openOverview();
    insertOrder(collector, 'partly-refunded', '2025-06-02T10:00:00Z', 5000, 1500);
    collector.sqlite
      .prepare("INSERT INTO refunds (site_key, id, profile_id, refunded_at, currency, amount, source) VALUES ('test-shop', 'r1', 'u:partly-refunded', ?, 'GBP', 500, 'import')")
      .run(Date.parse('2025-06-03T10:00:00Z'));
    const { page } = await signIn(collector, 'test-shop', SECRET);

    const html = await page('/dashboard?period=custom&from=2025-06-01&to=2025-06-30');

    expect(metricOf(html, 'period-revenue')).toBe('£30.00');
    expect(metricOf(html, 'period-orders')).toBe('1');
  });

  it('points to the latest order when the period has none', async () => {
    const collector = openOverview();
    insertOrder(collector, 'long-ago', '2011-12-09T12:50:00Z', 1000);
    const { page } = await signIn(collector, 'test-shop', SECRET);

    const html = await page('/dashboard');
    const allTime = await page('/dashboard?period=all');

    expect(textOf(html)).toContain('No orders in this period. The latest order was on 9 Dec 2011; show all time.');
    expect(metricOf(allTime, 'period-orders')).toBe('1');
    expect(tableOf(allTime, 'activity')[0]![0]).toBe('Dec 2011');
  });

  it('compares each total with the previous period of the same length', async () => {
    const collector = openOverview();
    insertOrder(collector, 'before-1', '2025-06-02T10:00:00Z', 1000);
    insertOrder(collector, 'before-2', '2025-06-07T23:00:00Z', 1000);
    insertOrder(collector, 'during-1', '2025-06-08T00:30:00Z', 1000);
    insertOrder(collector, 'during-2', '2025-06-10T10:00:00Z', 1000);
    insertOrder(collector, 'during-3', '2025-06-14T23:59:00Z', 1000);
    insertEvent(collector, 'ann', '2025-06-03T10:00:00Z');
    insertEvent(collector, 'ann', '2025-06-09T10:00:00Z');
    insertEvent(collector, 'bob', '2025-06-09T11:00:00Z');
    const { page } = await signIn(collector, 'test-shop', SECRET);

    const html = await page('/dashboard?period=custom&from=2025-06-08&to=2025-06-14');

    expect(textOf(html)).toContain('Each total is compared with the previous 7 days, 1 Jun 2025 to 7 Jun 2025.');
    expect(metricOf(html, 'period-orders')).toBe('3');
    expect(metricOf(html, 'period-orders-change')).toBe('+50% on the previous 7 days');
    expect(metricOf(html, 'period-customers-change')).toBe('+50% on the previous 7 days');
    expect(metricOf(html, 'period-revenue-change')).toBe('+50% on the previous 7 days');
    expect(metricOf(html, 'period-visitors-change')).toBe('+100% on the previous 7 days');
  });

  it('says so plainly when the previous period has no data', async () => {
    const collector = openOverview();
    insertOrder(collector, 'during', '2025-06-10T10:00:00Z', 1000);
    const { page } = await signIn(collector, 'test-shop', SECRET);

    const html = await page('/dashboard?period=custom&from=2025-06-08&to=2025-06-14');
    const allTime = await page('/dashboard?period=all');

    expect(metricOf(html, 'period-orders-change')).toBe('no orders in the previous 7 days');
    expect(metricOf(html, 'period-revenue-change')).toBe('no revenue in the previous 7 days');
    expect(metricOf(html, 'period-visitors-change')).toBe('no visitors in the previous 7 days either');
    expect(textOf(allTime)).toContain('All time has no earlier period to compare with.');
    expect(allTime).not.toContain('data-metric="period-orders-change"');
  });

  it('compares with the previous days of the chosen time zone', async () => {
    const collector = openOverview();
    // Britain moved to summer time on 30 March 2025, so 1 April began at 23:00 UTC on 31 March.
    insertOrder(collector, 'first-hour-of-april', '2025-03-31T23:30:00Z', 1000);
    insertOrder(collector, 'last-of-march', '2025-03-31T12:00:00Z', 1000);
    insertOrder(collector, 'before-25-march', '2025-03-24T23:30:00Z', 1000);
    const { page } = await signIn(collector, 'test-shop', SECRET);
    const orders = async (tz: string) => {
      const html = await page(`/dashboard?period=custom&from=2025-04-01&to=2025-04-07&tz=${tz}`);
      return [metricOf(html, 'period-orders'), metricOf(html, 'period-orders-change')];
    };

    expect(await orders('Europe/London')).toEqual(['1', 'the same as the previous 7 days']);
    expect(await orders('UTC')).toEqual(['0', '−100% on the previous 7 days']);
  });

  it('falls back to UTC for an unknown time zone', async () => {
    const collector = openOverview();
    const { page } = await signIn(collector, 'test-shop', SECRET);

    const html = await page('/dashboard?tz=Mars/Olympus');

    expect(textOf(html)).toContain('Unknown time zone "Mars/Olympus", so times are in UTC.');
    expect(textOf(html)).toContain('Times in UTC');
  });

  it('coarsens day bars that would not fit', async () => {
    const collector = openOverview();
    const { page } = await signIn(collector, 'test-shop', SECRET);

    const html = await page('/dashboard?period=custom&from=2020-01-01&to=2025-12-31&bucket=day');

    expect(textOf(html)).toContain('2,192 days would not fit in a chart, so the period is shown by week.');
    expect(tableOf(html, 'activity')).toHaveLength(314);
  });
});
