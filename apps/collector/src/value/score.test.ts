import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import { profiles } from '../db/schema.js';
import { emptyProfile } from '../profiles/totals.js';
import { configInput, openTestCollector, siteInput, SITE_KEY } from '../test/harness.js';
import { listCustomers, listSegments } from './queries.js';
import { scoreCustomers } from './score.js';
import { segmentOf } from './segments.js';

const DAY = 24 * 60 * 60 * 1000;

/** Adds `count` customers: customer i has i % 7 + 1 orders, revenue growing with i, and a last order i days ago. */
function seedCustomers(collector: ReturnType<typeof openTestCollector>, count: number, now: number) {
  for (let i = 0; i < count; i++) {
    const profile = emptyProfile(SITE_KEY, `u:c${i}`, `c${i}`, now - i * DAY);
    profile.orders = (i % 7) + 1;
    profile.revenue = 1000 * (i + 1);
    profile.lastOrderAt = now - i * DAY;
    profile.firstOrderAt = now - 400 * DAY;
    collector.db.insert(profiles).values(profile).run();
  }
}

describe('segment grid', () => {
  it('names every pair of scores', () => {
    for (let r = 1; r <= 5; r++) for (let f = 1; f <= 5; f++) expect(typeof segmentOf(r, f)).toBe('string');
  });

  it.each([
    [5, 5, 'champions'],
    [5, 1, 'new'],
    [4, 1, 'promising'],
    [3, 3, 'need attention'],
    [1, 5, "can't lose"],
    [2, 3, 'at risk'],
    [1, 1, 'hibernating'],
  ])('R%i F%i is %s', (r, f, name) => {
    expect(segmentOf(r, f)).toBe(name);
  });
});

describe('scoring customers', () => {
  it('spreads scores over quintiles', () => {
    const collector = openTestCollector();
    const now = Date.now();
    seedCustomers(collector, 100, now);
    const site = { key: SITE_KEY, minCustomersForScores: 50, currency: 'GBP' };
    const result = scoreCustomers(collector.db, site, now);

    expect(result).toMatchObject({ status: 'scored', customers: 100 });
    const counts = collector.rows<{ r: number; n: number }>("SELECT json_extract(rfm, '$.r') AS r, count(*) AS n FROM profiles GROUP BY r ORDER BY r");
    expect(counts).toEqual([1, 2, 3, 4, 5].map((r) => ({ r, n: 20 })));
    // The most recent and highest-revenue customers are at opposite ends here.
    expect(JSON.parse(collector.rows<{ rfm: string }>("SELECT rfm FROM profiles WHERE id = 'u:c0'")[0]!.rfm)).toMatchObject({ r: 5, m: 1 });
    expect(collector.rows("SELECT tier, count(*) AS n FROM profiles GROUP BY tier ORDER BY n")).toEqual([
      { tier: 'platinum', n: 1 },
      { tier: 'gold', n: 4 },
      { tier: 'silver', n: 15 },
      { tier: 'bronze', n: 80 },
    ]);
  });

  it('reports not enough data', () => {
    const collector = openTestCollector();
    seedCustomers(collector, 30, Date.now());
    const result = scoreCustomers(collector.db, { key: SITE_KEY, minCustomersForScores: 500, currency: 'GBP' });

    expect(result).toMatchObject({ status: 'not_enough_data', customers: 30, minCustomers: 500 });
    expect(collector.rows('SELECT count(*) AS n FROM profiles WHERE segment IS NOT NULL')).toEqual([{ n: 0 }]);
    expect(listSegments(collector.db, SITE_KEY).run).toMatchObject({ status: 'not_enough_data' });
  });

  it('lists customers by revenue with filters', () => {
    const collector = openTestCollector();
    seedCustomers(collector, 60, Date.now());
    scoreCustomers(collector.db, parseConfig(configInput(siteInput({ minCustomersForScores: 50 }))).sites[0]!);
    const top = listCustomers(collector.db, SITE_KEY, { limit: 3 });
    const gold = listCustomers(collector.db, SITE_KEY, { limit: 10, tier: 'gold' });

    expect(top.total).toBe(60);
    expect(top.items.map((customer) => customer.id)).toEqual(['u:c59', 'u:c58', 'u:c57']);
    expect(gold.items.every((customer) => customer.tier === 'gold')).toBe(true);
    expect(listSegments(collector.db, SITE_KEY).segments.reduce((sum, segment) => sum + segment.revenueShare, 0)).toBeCloseTo(1);
  });
});

describe('tiers', () => {
  it('follow predicted value when every customer has one', () => {
    const collector = openTestCollector();
    const now = Date.now();
    seedCustomers(collector, 100, now);
    // The lowest-revenue customer is predicted to be worth the most.
    collector.sqlite.prepare("UPDATE profiles SET predicted_value = CASE id WHEN 'u:c0' THEN 1000000 ELSE 10 END").run();
    scoreCustomers(collector.db, { key: SITE_KEY, minCustomersForScores: 50, currency: 'GBP' }, now);

    expect(collector.rows("SELECT tier FROM profiles WHERE id = 'u:c0'")).toEqual([{ tier: 'platinum' }]);
  });
});
