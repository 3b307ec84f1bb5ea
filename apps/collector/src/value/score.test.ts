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

describe('ties', () => {
  /** Adds a customer with these measures; a later order time is a more recent customer. */
  function addCustomer(collector: ReturnType<typeof openTestCollector>, id: string, orders: number, revenue: number, lastOrderAt: number) {
    const profile = emptyProfile(SITE_KEY, id, null, lastOrderAt);
    profile.orders = orders;
    profile.revenue = revenue;
    profile.lastOrderAt = lastOrderAt;
    profile.firstOrderAt = lastOrderAt;
    collector.db.insert(profiles).values(profile).run();
  }

  const rfmOf = (collector: ReturnType<typeof openTestCollector>, id: string) =>
    JSON.parse(collector.rows<{ rfm: string }>('SELECT rfm FROM profiles WHERE id = ?', id)[0]!.rfm) as { r: number; f: number; m: number };

  it('give identical customers one score', () => {
    const collector = openTestCollector();
    const now = Date.now();
    // Ten one-order customers: eight identical, and one on each side of them.
    addCustomer(collector, 'a-low', 1, 1000, now - 20 * DAY);
    for (let i = 0; i < 8; i++) addCustomer(collector, `same-${i}`, 1, 2000, now - 10 * DAY);
    addCustomer(collector, 'z-high', 1, 3000, now);
    scoreCustomers(collector.db, { key: SITE_KEY, minCustomersForScores: 10, currency: 'GBP' }, now);

    const same = Array.from({ length: 8 }, (_, i) => rfmOf(collector, `same-${i}`));
    // The group starts at rank 1 of 10, in the first quintile.
    for (const scores of same) expect(scores).toEqual({ r: 1, f: 1, m: 1, computedAt: now });
    expect(rfmOf(collector, 'a-low')).toMatchObject({ r: 1, f: 1, m: 1 });
    expect(rfmOf(collector, 'z-high')).toMatchObject({ r: 5, f: 5, m: 5 });
    expect(collector.rows('SELECT DISTINCT tier FROM profiles WHERE id LIKE ?', 'same-%')).toEqual([{ tier: 'silver' }]);
  });

  it('still spread one-order customers', () => {
    const collector = openTestCollector();
    const now = Date.now();
    // One-order customers that differ in revenue and recency, as most shops' are.
    for (let i = 0; i < 50; i++) addCustomer(collector, `c${i}`, 1, 1000 + i * 10, now - i * DAY);
    scoreCustomers(collector.db, { key: SITE_KEY, minCustomersForScores: 10, currency: 'GBP' }, now);

    const f = collector.rows<{ f: number; n: number }>("SELECT json_extract(rfm, '$.f') AS f, count(*) AS n FROM profiles GROUP BY f ORDER BY f");
    expect(f).toEqual([1, 2, 3, 4, 5].map((score) => ({ f: score, n: 10 })));
  });

  it('give equal value one tier', () => {
    const collector = openTestCollector();
    const now = Date.now();
    // 100 customers, the top three equal: the platinum rank (top 1%) reaches all three.
    for (let i = 0; i < 97; i++) addCustomer(collector, `c${i}`, 1, 1000 + i, now - i * DAY);
    for (let i = 0; i < 3; i++) addCustomer(collector, `top-${i}`, 2, 90000, now);
    scoreCustomers(collector.db, { key: SITE_KEY, minCustomersForScores: 10, currency: 'GBP' }, now);

    expect(collector.rows('SELECT DISTINCT tier FROM profiles WHERE id LIKE ?', 'top-%')).toEqual([{ tier: 'platinum' }]);
  });

  it('clears scores of profiles no longer customers', () => {
    const collector = openTestCollector();
    const now = Date.now();
    for (let i = 0; i < 20; i++) addCustomer(collector, `c${i}`, 1, 1000 + i, now - i * DAY);
    const site = { key: SITE_KEY, minCustomersForScores: 10, currency: 'GBP' };
    scoreCustomers(collector.db, site, now);
    collector.sqlite.prepare("UPDATE profiles SET orders = 0 WHERE id = 'c0'").run();
    scoreCustomers(collector.db, site, now);

    expect(collector.rows("SELECT segment, rfm, tier FROM profiles WHERE id = 'c0'")).toEqual([{ segment: null, rfm: null, tier: null }]);
    expect(collector.rows('SELECT count(*) AS n FROM profiles WHERE segment IS NOT NULL')).toEqual([{ n: 19 }]);
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
