import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { orders, profiles } from '../db/schema.js';
import { emptyProfile } from '../profiles/totals.js';
import { openTestCollector, SITE_KEY } from '../test/harness.js';
import { predictCustomerValue } from './predict.js';

const site = { key: SITE_KEY, currency: 'USD' };

/** Adds an order, and the customer's profile with its first order, as an import does. */
function addOrder(collector: ReturnType<typeof openTestCollector>, customer: string, placedAt: number, value: number, index: number) {
  if (index <= 1) collector.db.insert(profiles).values(emptyProfile(SITE_KEY, `u:${customer}`, customer, placedAt)).run();
  collector.db
    .insert(orders)
    .values({ siteKey: SITE_KEY, transactionId: `${customer}-${index}`, profileId: `u:${customer}`, placedAt, currency: 'USD', value, source: 'import' })
    .run();
}

describe('predicting customer value', () => {
  it('refuses a shop with too few repeat customers', () => {
    const collector = openTestCollector();
    for (let i = 0; i < 30; i++) addOrder(collector, `c${i}`, Date.UTC(2024, 0, 1 + i), 2000, 1);
    const run = predictCustomerValue(collector.db, site);

    expect(run.status).toBe('unusable');
    expect(run.findings[0]).toContain('Only 0 customers have ordered more than once');
    expect(collector.rows("SELECT status FROM value_models")).toEqual([{ status: 'unusable' }]);
  });

  it('refuses a history with a gap before its end', () => {
    const collector = openTestCollector();
    for (let i = 0; i < 300; i++) {
      addOrder(collector, `c${i}`, Date.UTC(2011, 0, 1 + (i % 300)), 2000, 1);
      addOrder(collector, `c${i}`, Date.UTC(2011, 5, 1 + (i % 150)), 2500, 2);
    }
    // One new order, 15 years after the imported history.
    addOrder(collector, 'new-buyer', Date.UTC(2026, 11, 1), 6050, 1);

    const run = predictCustomerValue(collector.db, site);

    expect(run.status).toBe('unusable');
    expect(run.findings[0]).toMatch(/^The latest orders come \d+ days after almost all the others/);
  });
});

const datasets = process.env.PATRON_DATASETS;
const sample = datasets ? join(datasets, 'cdnow', 'CDNOW_sample.txt') : '';

describe.skipIf(!datasets || !existsSync(sample))('predicting on CDNOW orders', { timeout: 60_000 }, () => {
  it('fits the published model and stores predictions', () => {
    const collector = openTestCollector({ sites: [{ key: SITE_KEY, currency: 'USD' }] });
    const end = Date.UTC(1997, 8, 30);
    const seen = new Map<string, number>();
    for (const line of readFileSync(sample, 'utf8').trim().split(/\r?\n/)) {
      const [, id, date, , dollars] = line.trim().split(/\s+/) as [string, string, string, string, string];
      const day = Date.UTC(Number(date.slice(0, 4)), Number(date.slice(4, 6)) - 1, Number(date.slice(6, 8)));
      if (day > end) continue;
      const index = (seen.get(id) ?? 0) + 1;
      // addOrder creates the profile with the first order (index 1).
      seen.set(id, index);
      addOrder(collector, id, day, Math.round(Number(dollars) * 100), index);
    }
    const run = predictCustomerValue(collector.db, site);

    expect(run.status).toBe('usable');
    expect(run.findings).toEqual([]);
    // The calibration ends at the last order in September 1997, within days of the papers' end.
    expect(Math.abs(run.bgnbd!.r - 0.243) / 0.243).toBeLessThan(0.02);
    expect(Math.abs(run.bgnbd!.b - 2.426) / 2.426).toBeLessThan(0.02);
    const predictions = collector.rows<{ p: number; e30: number; e365: number; v: number; ov: number }>(
      'SELECT probability_alive AS p, expected_orders_30 AS e30, expected_orders_365 AS e365, predicted_value AS v, expected_order_value AS ov FROM profiles',
    );
    expect(predictions).toHaveLength(2357);
    for (const prediction of predictions) {
      expect(prediction.p).toBeGreaterThan(0);
      expect(prediction.p).toBeLessThanOrEqual(1);
      expect(prediction.e365).toBeGreaterThanOrEqual(prediction.e30);
      expect(prediction.v).toBeGreaterThanOrEqual(0);
      expect(prediction.ov).toBeGreaterThan(0);
    }
  });
});
