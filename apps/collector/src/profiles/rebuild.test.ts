import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import { configInput, openTestCollector, siteInput, type TestCollector } from '../test/harness.js';
import { rebuildProfiles } from './rebuild.js';

interface Step {
  kind: 'page' | 'view' | 'add' | 'remove' | 'buy' | 'rebuy' | 'refund' | 'identify' | 'newSession';
  product: number;
  quantity: number;
  user: number;
}

const products = ['teapot', 'cup', 'lantern', 'garland', 'calendar'];
const prices = ['24.00', '12.50', '6.95', '3.75', '29.99'];

const stepArbitrary = fc.record({
  kind: fc.constantFrom<Step['kind']>('page', 'page', 'view', 'view', 'add', 'add', 'remove', 'buy', 'rebuy', 'refund', 'identify', 'newSession'),
  product: fc.integer({ min: 0, max: products.length - 1 }),
  quantity: fc.integer({ min: 1, max: 3 }),
  user: fc.integer({ min: 0, max: 9 }),
});

/** Turns each visitor's steps into events; a few users share visitors' identities, so profiles merge. */
function historyEvents(visitors: Step[][], start: number): Array<Record<string, unknown>> {
  const all: Array<Record<string, unknown>> = [];
  visitors.forEach((steps, visitor) => {
    let session = 0;
    let orders = 0;
    let userId: string | undefined;
    steps.forEach((step, index) => {
      // One second apart, interleaved across visitors, so arrival order and time order agree.
      const timestamp = start + (index * visitors.length + visitor) * 1000;
      const product = { id: products[step.product]!, name: products[step.product]!, category: `c${step.product % 2}`, price: prices[step.product]!, quantity: step.quantity };
      const base = { id: `e-${visitor}-${index}`, visitorId: `visitor-${visitor}`, sessionId: `s-${visitor}-${session}`, timestamp, userId };
      switch (step.kind) {
        case 'page':
          all.push({ ...base, type: 'page_view' });
          break;
        case 'view':
          all.push({ ...base, type: 'view_item', currency: 'GBP', items: [product] });
          break;
        case 'add':
        case 'remove':
          all.push({ ...base, type: step.kind === 'add' ? 'add_to_cart' : 'remove_from_cart', currency: 'GBP', items: [product] });
          break;
        case 'buy':
          all.push({ ...base, type: 'purchase', transactionId: `T-${visitor}-${++orders}`, value: prices[step.product], currency: 'GBP', items: [product] });
          break;
        case 'rebuy':
          // A reloaded confirmation page: a new event id for an order already placed.
          if (orders > 0) all.push({ ...base, type: 'purchase', transactionId: `T-${visitor}-${orders}`, value: '1.00', currency: 'GBP' });
          break;
        case 'refund':
          if (orders > 0) all.push({ ...base, type: 'refund', transactionId: `T-${visitor}-${orders}`, value: '1.00', currency: 'GBP' });
          break;
        case 'identify':
          userId = `user-${step.user}`;
          all.push({ ...base, type: 'identify', userId, traits: { tier: step.user } });
          break;
        case 'newSession':
          session++;
          break;
      }
    });
  });
  return all.sort((a, b) => (a.timestamp as number) - (b.timestamp as number));
}

function snapshot(collector: TestCollector) {
  return {
    profiles: collector.rows('SELECT * FROM profiles ORDER BY site_key, id'),
    identities: collector.rows('SELECT * FROM identities ORDER BY site_key, visitor_id'),
    sessions: collector.rows('SELECT site_key, id, profile_id FROM sessions ORDER BY site_key, id'),
    orders: collector.rows('SELECT * FROM orders ORDER BY site_key, transaction_id'),
  };
}

describe('rebuilding profiles', () => {
  it('matches the incremental result', async () => {
    const histories = fc.sample(fc.array(fc.array(stepArbitrary, { minLength: 1, maxLength: 25 }), { minLength: 40, maxLength: 40 }), {
      seed: 20261204,
      numRuns: 3,
    });
    for (const visitors of histories) {
      const collector = openTestCollector();
      const events = historyEvents(visitors, Date.now() - 24 * 60 * 60 * 1000);
      for (let start = 0; start < events.length; start += 50) await collector.storeEvents(events.slice(start, start + 50));
      const incremental = snapshot(collector);
      expect(incremental.profiles.length).toBeGreaterThan(10);

      const site = parseConfig(configInput(siteInput())).sites[0]!;
      const replayed = rebuildProfiles(collector.db, site);

      expect(replayed).toBe(collector.rows('SELECT id FROM events').length);
      expect(snapshot(collector)).toEqual(incremental);
    }
  });
});
