import { describe, expect, it } from 'vitest';
import { openTestCollector, purchase } from '../test/harness.js';
import { audiencePages, toCsv } from './export.js';

describe('audiencePages', () => {
  it('pages through ties without gaps', async () => {
    const collector = openTestCollector();
    const values = [30, 10, 10, 10, 20, 10, 5];
    await collector.storeEvents(values.map((value, n) => purchase(`order-${n}`, value, { visitorId: `visitor-${n}` })));

    const pages = [...audiencePages(collector.db, { key: 'test-shop', currency: 'GBP' }, {}, 2)];
    const ids = pages.flat().map((row) => row.customer_id);

    expect(pages.map((page) => page.length)).toEqual([2, 2, 2, 1]);
    expect(new Set(ids).size).toBe(values.length);
    expect(pages.flat().map((row) => row.revenue)).toEqual([30, 20, 10, 10, 10, 10, 5]);
  });
});

describe('toCsv', () => {
  it('defuses formulas in text cells', () => {
    const row = { customer_id: 'u:x', user_id: 'x', email: '=HYPERLINK("http://evil.example")', segment: null, tier: null, orders: 1, revenue: -5, last_order_at: null, predicted_value: null, currency: 'GBP' };

    const [, line] = toCsv([row], true).trim().split('\n');

    expect(line).toBe(`u:x,x,"'=HYPERLINK(""http://evil.example"")",,,1,-5,,,GBP`);
  });
});
