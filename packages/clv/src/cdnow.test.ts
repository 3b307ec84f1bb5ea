import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectedPurchases, fitBgNbd, type RfmSummary } from './bgnbd.js';
import { fitGammaGamma } from './gamma-gamma.js';
import { summarizePurchases, type Purchase } from './summary.js';

const datasets = process.env.PATRON_DATASETS;
const cdnow = datasets ? join(datasets, 'cdnow') : '';
const available = Boolean(datasets) && existsSync(join(cdnow, 'cdnow_customers_summary_with_transactions.csv'));
if (!available) console.info('skipping the CDNOW fits: PATRON_DATASETS does not name a folder with cdnow/');

function readSummary(): Array<RfmSummary & { meanValue: number }> {
  const [, ...lines] = readFileSync(join(cdnow, 'cdnow_customers_summary_with_transactions.csv'), 'utf8').trim().split('\n');
  return lines.map((line) => {
    const [, x, tx, T, zbar] = line.split(',').map(Number) as [number, number, number, number, number];
    return { x, tx, T, meanValue: zbar };
  });
}

/** Reads CDNOW_sample.txt: master id, sample id, date (YYYYMMDD), CDs, dollars. */
function readTransactions(): Purchase[] {
  return readFileSync(join(cdnow, 'CDNOW_sample.txt'), 'utf8')
    .trim()
    .split(/\r?\n/)
    .map((line) => {
      const [, id, date, , value] = line.trim().split(/\s+/) as [string, string, string, string, string];
      return { customerId: id, day: Date.UTC(Number(date.slice(0, 4)), Number(date.slice(4, 6)) - 1, Number(date.slice(6, 8))), value: Number(value) };
    });
}

// Weeks 1 to 39 of the papers end on 30 September 1997.
const calibrationEnd = Date.UTC(1997, 8, 30);

/** Expects `actual` within `relative` of `expected` (0.005 is 0.5%). */
function expectClose(actual: number, expected: number, relative = 0.005) {
  expect(Math.abs(actual - expected) / Math.abs(expected)).toBeLessThan(relative);
}

describe.skipIf(!available)('CDNOW, as published', { timeout: 60_000 }, () => {
  it('fits BG/NBD to the published parameters', () => {
    const fit = fitBgNbd(readSummary());

    expectClose(fit.params.r, 0.243);
    expectClose(fit.params.alpha, 4.414);
    expectClose(fit.params.a, 0.793);
    expectClose(fit.params.b, 2.426);
    expectClose(fit.logLikelihood, -9582.4, 0.0001);
  });

  it('builds the same input from the raw transactions', () => {
    const fromRaw = summarizePurchases(readTransactions(), calibrationEnd).sort((a, b) => Number(a.customerId) - Number(b.customerId));
    const published = readSummary();

    expect(fromRaw).toHaveLength(published.length);
    fromRaw.forEach((customer, index) => {
      expect(customer.x).toBe(published[index]!.x);
      expect(Math.abs(customer.tx - published[index]!.tx)).toBeLessThan(0.005);
      expect(Math.abs(customer.T - published[index]!.T)).toBeLessThan(0.005);
    });
    const rawFit = fitBgNbd(fromRaw);
    const summaryFit = fitBgNbd(published);
    for (const key of ['r', 'alpha', 'a', 'b'] as const) expectClose(rawFit.params[key], summaryFit.params[key], 0.002);
  });

  it('forecasts the hold-out weeks', () => {
    const histories = summarizePurchases(readTransactions(), calibrationEnd);
    const { params } = fitBgNbd(histories);
    // Weeks 40 to 78: 1 October 1997 to 30 June 1998.
    const predicted = histories.reduce((sum, customer) => sum + expectedPurchases(params, 39, customer), 0);
    const actual = histories.reduce((sum, customer) => sum + customer.holdoutPurchases, 0);

    expect(actual).toBe(1882);
    // Measured: 1,653 predicted, 12% under the 1,882 that happened (see docs/value.md).
    expect(predicted / actual).toBeGreaterThan(0.85);
    expect(predicted / actual).toBeLessThan(1.05);
  });

  it('fits Gamma-Gamma to the published parameters', () => {
    const fit = fitGammaGamma(readSummary());

    expectClose(fit.params.p, 6.25);
    expectClose(fit.params.q, 3.74);
    expectClose(fit.params.gamma, 15.44);
  });
});
