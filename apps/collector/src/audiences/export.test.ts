import { describe, expect, it } from 'vitest';
import { openTestCollector, purchase } from '../test/harness.js';
import { audiencePages } from './export.js';

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
