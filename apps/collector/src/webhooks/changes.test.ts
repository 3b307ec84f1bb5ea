import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import { addToCart, configInput, item, openTestCollector, purchase, siteInput } from '../test/harness.js';
import { enqueueAbandonedCarts, enqueueValueChanges } from './changes.js';
import type { WebhookEvent } from './schema.js';

const SECRET = 'webhook-secret-of-24-chars-at-least';

function openWatching(events: WebhookEvent[]) {
  const input = configInput(siteInput({ webhooks: [{ id: 'crm', url: 'http://127.0.0.1:9/hook', events, secret: SECRET }], abandonedCartMinutes: 30 }));
  const collector = openTestCollector(input);
  const site = parseConfig(input).sites[0]!;
  const deliveries = () =>
    collector.rows<{ event: string; body: string }>('SELECT event, body FROM webhook_deliveries ORDER BY created_at').map((row) => ({
      event: row.event,
      data: (JSON.parse(row.body) as { data: Record<string, unknown> }).data,
    }));
  return { collector, site, deliveries };
}

describe('enqueueValueChanges', () => {
  it('stays quiet on the first run', async () => {
    const { collector, site, deliveries } = openWatching(['customer.segment_changed']);
    await collector.storeEvents([purchase('order-1', 10)]);
    collector.sqlite.prepare("UPDATE profiles SET segment = 'new'").run();

    const enqueued = enqueueValueChanges(collector.db, site);

    expect(enqueued).toBe(0);
    expect(deliveries()).toEqual([]);
  });

  it('announces a segment change', async () => {
    const { collector, site, deliveries } = openWatching(['customer.segment_changed']);
    await collector.storeEvents([purchase('order-1', 10)]);
    collector.sqlite.prepare("UPDATE profiles SET segment = 'champions'").run();
    enqueueValueChanges(collector.db, site);
    collector.sqlite.prepare("UPDATE profiles SET segment = 'at risk'").run();

    enqueueValueChanges(collector.db, site);
    enqueueValueChanges(collector.db, site);

    expect(deliveries()).toEqual([{ event: 'customer.segment_changed', data: { previousSegment: 'champions', segment: 'at risk' } }]);
  });

  it('writes in short transactions', async () => {
    const { collector, site } = openWatching(['customer.segment_changed']);
    for (let start = 0; start < 1200; start += 100) {
      await collector.storeEvents(Array.from({ length: 100 }, (_, n) => purchase(`order-${start + n}`, 10, { visitorId: `visitor-${start + n}` })));
    }
    // Counts the write transactions that the chunks begin.
    let transactions = 0;
    const connection = collector.sqlite;
    const original = connection.transaction.bind(connection);
    connection.transaction = ((run: (...args: never[]) => unknown) => {
      const made = original(run);
      const immediate = (...args: never[]) => {
        transactions++;
        return made.immediate(...args);
      };
      return Object.assign((...args: never[]) => made(...args), { ...made, immediate, deferred: made.deferred, exclusive: made.exclusive });
    }) as typeof connection.transaction;

    enqueueValueChanges(collector.db, site);

    expect(transactions).toBe(3);
    expect(collector.rows('SELECT profile_id FROM webhook_marks')).toHaveLength(1200);
  });

  it('announces a tier change', async () => {
    const { collector, site, deliveries } = openWatching(['customer.tier_changed']);
    await collector.storeEvents([purchase('order-1', 10)]);
    collector.sqlite.prepare("UPDATE profiles SET tier = 'silver'").run();
    enqueueValueChanges(collector.db, site);
    collector.sqlite.prepare("UPDATE profiles SET tier = 'gold'").run();

    enqueueValueChanges(collector.db, site);

    expect(deliveries()).toEqual([{ event: 'customer.tier_changed', data: { previousTier: 'silver', tier: 'gold' } }]);
  });

  it('announces lapsing once per fall', async () => {
    const { collector, site, deliveries } = openWatching(['customer.lapsing']);
    await collector.storeEvents([purchase('order-1', 10)]);
    const setAlive = (probability: number) => collector.sqlite.prepare('UPDATE profiles SET probability_alive = ?').run(probability);
    setAlive(0.8);
    enqueueValueChanges(collector.db, site, 1000);

    setAlive(0.2);
    enqueueValueChanges(collector.db, site, 2000);
    setAlive(0.1);
    enqueueValueChanges(collector.db, site, 3000);
    setAlive(0.9);
    enqueueValueChanges(collector.db, site, 4000);
    setAlive(0.25);
    enqueueValueChanges(collector.db, site, 5000);

    expect(deliveries().map((delivery) => delivery.data.probabilityAlive)).toEqual([0.2, 0.25]);
  });
});

describe('enqueueAbandonedCarts', () => {
  it('announces an idle cart once', async () => {
    const { collector, site, deliveries } = openWatching(['cart.abandoned']);
    const now = Date.now();
    await collector.storeEvents([addToCart([item('mug', 12)], { timestamp: now - 40 * 60_000 })], { sentAt: now });

    const first = enqueueAbandonedCarts(collector.db, site, now);
    const second = enqueueAbandonedCarts(collector.db, site, now + 60_000);

    expect(first).toBe(1);
    expect(second).toBe(0);
    expect(deliveries()).toHaveLength(1);
  });

  it('waits for the idle time', async () => {
    const { collector, site } = openWatching(['cart.abandoned']);
    const now = Date.now();
    await collector.storeEvents([addToCart([item('mug', 12)], { timestamp: now - 10 * 60_000 })], { sentAt: now });

    expect(enqueueAbandonedCarts(collector.db, site, now)).toBe(0);
  });

  it('skips carts bought since', async () => {
    const { collector, site } = openWatching(['cart.abandoned']);
    const now = Date.now();
    await collector.storeEvents([addToCart([item('mug', 12)], { timestamp: now - 50 * 60_000 }), purchase('order-1', 12, { timestamp: now - 45 * 60_000 })], { sentAt: now });

    expect(enqueueAbandonedCarts(collector.db, site, now)).toBe(0);
  });

  it('skips carts older than the window', async () => {
    const { collector, site } = openWatching(['cart.abandoned']);
    const now = Date.now();
    await collector.storeEvents([addToCart([item('mug', 12)], { timestamp: now - 26 * 60 * 60_000 })], { sentAt: now });

    expect(enqueueAbandonedCarts(collector.db, site, now)).toBe(0);
  });
});
