import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { profiles } from '../db/schema.js';
import { addToCart, item, openTestCollector, pageView, purchase, removeFromCart, SITE_KEY, type TestCollector } from '../test/harness.js';
import { selectRefunds } from './apply.js';
import { describeProfile, type ProfileView } from './read.js';

const HOUR = 60 * 60 * 1000;

function profile(collector: TestCollector, id: string, now = Date.now()): ProfileView {
  const row = collector.db.select().from(profiles).where(and(eq(profiles.siteKey, SITE_KEY), eq(profiles.id, id))).get();
  if (!row) throw new Error(`no profile ${id}; profiles: ${JSON.stringify(collector.rows('SELECT id FROM profiles'))}`);
  return describeProfile(row, now, 30 * 60 * 1000);
}

const identify = (userId: string, overrides: Record<string, unknown> = {}) => ({
  ...pageView(overrides),
  type: 'identify',
  userId,
  traits: { email: `${userId}@example.com` },
});

const viewItem = (id: string, category: string, overrides: Record<string, unknown> = {}) => ({
  ...pageView(overrides),
  type: 'view_item',
  currency: 'GBP',
  items: [{ ...item(id, '5.00'), category }],
});

describe('profile counts', () => {
  it('counts visits, views and interests', async () => {
    const collector = openTestCollector();
    await collector.storeEvents([
      pageView(),
      viewItem('teapot', 'Tableware'),
      viewItem('teapot', 'Tableware'),
      viewItem('lantern', 'Lighting', { sessionId: 'session-2' }),
    ]);
    const view = profile(collector, 'v:visitor-1');

    expect(view.sessions).toBe(2);
    expect(view.pageViews).toBe(1);
    expect(view.productViews).toBe(3);
    expect(view.interests.categories.Tableware!.count).toBe(2);
    expect(view.interests.products.lantern!.count).toBe(1);
    expect(view.viewedNotBought.map((product) => product.id)).toEqual(['teapot', 'lantern']);
  });
});

describe('cart', () => {
  it('follows adds and removes with its value', async () => {
    const collector = openTestCollector();
    await collector.storeEvents([addToCart([item('teapot', '24.00', 2), item('cup', '12.50')]), removeFromCart([item('teapot', '24.00')])]);
    const { cart } = profile(collector, 'v:visitor-1');

    expect(cart.quantity).toBe(2);
    expect(cart.value).toBe(2400 + 1250);
    expect(cart.lines.map((line) => line.id).sort()).toEqual(['cup', 'teapot']);
  });

  it('values only lines in the site currency', async () => {
    const collector = openTestCollector();
    await collector.storeEvents([addToCart([item('teapot', '24.00')]), addToCart([item('kettle', '5000')], { currency: 'JPY' })]);
    const { cart } = profile(collector, 'v:visitor-1');

    expect(cart.quantity).toBe(2);
    expect(cart.value).toBe(2400);
  });

  it('keeps the price when items are removed', async () => {
    const collector = openTestCollector();
    await collector.storeEvents([addToCart([item('teapot', '24.00', 3)]), removeFromCart([item('teapot', '1.00')])]);

    expect(profile(collector, 'v:visitor-1').cart.value).toBe(4800);
  });

  it('is abandoned after 30 quiet minutes', async () => {
    const collector = openTestCollector();
    const start = Date.now() - 2 * HOUR;
    // Recorded two hours ago and sent now, as from a tab that was offline.
    await collector.storeEvents([addToCart([item('teapot', '24.00')], { timestamp: start })]);

    expect(profile(collector, 'v:visitor-1', start + 29 * 60 * 1000).cart.abandoned).toBe(false);
    expect(profile(collector, 'v:visitor-1', start + 31 * 60 * 1000).cart.abandoned).toBe(true);
  });

  it('stops being abandoned when emptied', async () => {
    const collector = openTestCollector();
    const start = Date.now() - 2 * HOUR;
    await collector.storeEvents([addToCart([item('teapot', '24.00')], { timestamp: start })]);
    await collector.storeEvents([removeFromCart([item('teapot', '24.00')])]);

    expect(profile(collector, 'v:visitor-1', Date.now() + HOUR).cart.abandoned).toBe(false);
  });

  it('is emptied by a purchase', async () => {
    const collector = openTestCollector();
    await collector.storeEvents([addToCart([item('teapot', '24.00')]), purchase('T-1', '24.00', { items: [item('teapot', '24.00')] })]);
    const view = profile(collector, 'v:visitor-1', Date.now() + HOUR);

    expect(view.cart.quantity).toBe(0);
    expect(view.cart.abandoned).toBe(false);
    expect(view.viewedNotBought).toEqual([]);
  });
});

describe('orders', () => {
  it('counts each transaction once', async () => {
    const collector = openTestCollector();
    const day = 24 * HOUR;
    const first = Date.now() - 10 * day;
    await collector.storeEvents([purchase('T-1', '30.00', { timestamp: first })]);
    await collector.storeEvents([purchase('T-1', '30.00'), purchase('T-2', '20.00')]);
    const view = profile(collector, 'v:visitor-1');

    expect(view.orders).toBe(2);
    expect(view.revenue).toBe(5000);
    expect(view.averageOrderValue).toBe(2500);
    expect(view.daysBetweenOrders).toBeCloseTo(10, 1);
    expect(collector.rows('SELECT transaction_id FROM orders ORDER BY transaction_id')).toEqual([
      { transaction_id: 'T-1' },
      { transaction_id: 'T-2' },
    ]);
  });

  it('reduces revenue by refunds', async () => {
    const collector = openTestCollector();
    await collector.storeEvents([purchase('T-1', '30.00'), purchase('T-2', '20.00')]);
    await collector.storeEvents([
      { ...pageView(), type: 'refund', transactionId: 'T-1', value: '5.00', currency: 'GBP' },
      { ...pageView(), type: 'refund', transactionId: 'T-2' },
      { ...pageView(), type: 'refund', transactionId: 'T-2' },
      { ...pageView(), type: 'refund', transactionId: 'T-unknown', value: '9.00', currency: 'GBP' },
    ]);
    const view = profile(collector, 'v:visitor-1');

    expect(view.revenue).toBe(2500);
    expect(view.refunded).toBe(2500);
    expect(collector.rows('SELECT transaction_id, refunded FROM orders ORDER BY transaction_id')).toEqual([
      { transaction_id: 'T-1', refunded: 500 },
      { transaction_id: 'T-2', refunded: 2000 },
    ]);
  });

  it('applies a refund that arrives before its purchase', async () => {
    const collector = openTestCollector();
    await collector.storeEvents([
      { ...pageView(), type: 'refund', transactionId: 'T-3', value: '10.00', currency: 'GBP' },
      { ...pageView(), type: 'refund', transactionId: 'T-4' },
      { ...pageView(), type: 'refund', transactionId: 'T-3', value: '5.00', currency: 'EUR' },
    ]);
    await collector.storeEvents([purchase('T-3', '40.00'), purchase('T-4', '20.00')]);

    expect(collector.rows('SELECT transaction_id, refunded FROM orders ORDER BY transaction_id')).toEqual([
      { transaction_id: 'T-3', refunded: 1000 },
      { transaction_id: 'T-4', refunded: 2000 },
    ]);
    expect(profile(collector, 'v:visitor-1').revenue).toBe(3000);
  });

  it('looks up refunds by order, not by scanning events', () => {
    const collector = openTestCollector();
    const query = selectRefunds(collector.db, SITE_KEY, 'T-1').toSQL();

    const plan = collector.db.$client.prepare(`EXPLAIN QUERY PLAN ${query.sql}`).all(...query.params) as { detail: string }[];

    // Each purchase runs this lookup, so a plan that reads every event of the site makes
    // ingestion slower as the shop's history grows.
    expect(plan.map((step) => step.detail)).toEqual(['SEARCH events USING INDEX events_refund_transaction (site_key=? AND transaction_id=?)']);
  });

  it('keeps other currencies out of revenue', async () => {
    const collector = openTestCollector();
    await collector.storeEvents([purchase('T-1', '30.00', { currency: 'EUR' })]);
    const view = profile(collector, 'v:visitor-1');

    expect(view.orders).toBe(1);
    expect(view.revenue).toBe(0);
  });
});

describe('identity', () => {
  it('joins anonymous history to the user', async () => {
    const collector = openTestCollector();
    await collector.storeEvents([pageView(), addToCart([item('teapot', '24.00')])]);
    await collector.storeEvents([identify('ada'), purchase('T-1', '24.00', { userId: 'ada' })]);
    const view = profile(collector, 'u:ada');

    expect(view.pageViews).toBe(1);
    expect(view.orders).toBe(1);
    expect(view.traits).toEqual({ email: 'ada@example.com' });
    expect(collector.rows("SELECT id FROM profiles WHERE id = 'v:visitor-1'")).toEqual([]);
  });

  it('joins two devices of one user', async () => {
    const collector = openTestCollector();
    await collector.storeEvents([purchase('T-1', '10.00', { visitorId: 'phone' }), identify('ada', { visitorId: 'phone' })]);
    await collector.storeEvents([purchase('T-2', '15.00', { visitorId: 'laptop', sessionId: 's-2' }), identify('ada', { visitorId: 'laptop', sessionId: 's-2' })]);
    const view = profile(collector, 'u:ada');

    expect(view.orders).toBe(2);
    expect(view.revenue).toBe(2500);
    expect(view.sessions).toBe(2);
  });

  it('never merges two users', async () => {
    const collector = openTestCollector();
    await collector.storeEvents([identify('ada'), purchase('T-1', '10.00', { userId: 'ada' })]);
    await collector.storeEvents([identify('bob'), purchase('T-2', '40.00', { userId: 'bob' })]);

    expect(profile(collector, 'u:ada').revenue).toBe(1000);
    expect(profile(collector, 'u:bob').revenue).toBe(4000);
  });

  it('keeps history left behind by reset', async () => {
    const collector = openTestCollector();
    await collector.storeEvents([identify('ada'), purchase('T-1', '10.00', { userId: 'ada' })]);
    // reset() in the browser: a new visitor id without a user.
    await collector.storeEvents([pageView({ visitorId: 'after-reset', sessionId: 's-9' }), identify('bob', { visitorId: 'after-reset', sessionId: 's-9' })]);

    expect(profile(collector, 'u:ada').orders).toBe(1);
    expect(profile(collector, 'u:bob').orders).toBe(0);
    expect(profile(collector, 'u:bob').pageViews).toBe(1);
  });
});

describe('offers use profiles', () => {
  it('sees the cart of an identified visitor', async () => {
    const collector = openTestCollector();
    await collector.storeEvents([addToCart([item('teapot', '24.00')], { visitorId: 'phone' }), identify('ada', { visitorId: 'phone' })]);
    await collector.storeEvents([identify('ada', { visitorId: 'laptop', sessionId: randomUUID() })]);
    const facts = collector.rows<{ cart: string }>("SELECT cart FROM profiles WHERE id = 'u:ada'");

    expect(JSON.parse(facts[0]!.cart)).toHaveLength(1);
  });
});
