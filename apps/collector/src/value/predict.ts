import {
  expectedOrderValue,
  expectedPurchases,
  fitBgNbd,
  fitGammaGamma,
  probabilityAlive,
  summarizePurchases,
  type BgNbdParams,
  type CustomerHistory,
  type GammaGammaParams,
} from '@patron/clv';
import { currencyExponent } from '@patron/protocol';
import { and, eq, sql } from 'drizzle-orm';
import type { SiteConfig } from '../config/schema.js';
import type { Db } from '../db/open.js';
import { prepared } from '../db/prepared.js';
import { orders, valueModels } from '../db/schema.js';
import { writeImmediately, writeInChunks } from './chunks.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const WEEK_DAYS = 7;
/** Minimum number of customers with a repeat order before the models describe a shop. */
export const MIN_REPEAT_CUSTOMERS = 100;

export interface PredictionRun {
  status: 'usable' | 'unusable';
  customers: number;
  repeatCustomers: number;
  findings: string[];
  bgnbd: (BgNbdParams & { logLikelihood: number }) | null;
  gammaGamma: (GammaGammaParams & { logLikelihood: number }) | null;
}

/**
 * Fits BG/NBD and Gamma-Gamma to a site's orders and stores each customer's predictions: the
 * probability of being active, expected orders in 30, 90 and 365 days, the expected order value
 * and the discounted value over a year. Time runs in weeks up to the site's latest order.
 *
 * When the data does not fit (too few repeat customers, parameters at the edge of what the
 * models allow, spend that the spend model cannot describe), the run is "unusable". Its findings
 * explain why in plain words, and every prediction is cleared so that the site relies on RFM.
 *
 * Predictions are written `ROWS_PER_TRANSACTION` customers to a transaction, as scores are, and the
 * fit itself holds no lock. NOTE: a reader between two of those transactions reads some customers
 * with new predictions and others with the previous fit's.
 */
export function predictCustomerValue(
  db: Db,
  site: Pick<SiteConfig, 'key' | 'currency'> & Partial<Pick<SiteConfig, 'valueHorizonDays' | 'yearlyDiscountRate'>>,
  now = Date.now(),
): PredictionRun {
  const horizon = { days: site.valueHorizonDays ?? 365, yearlyDiscount: site.yearlyDiscountRate ?? 0.1 };
  const rows = db
    .select({ profileId: orders.profileId, placedAt: orders.placedAt, value: sql<number>`${orders.value} - ${orders.refunded}` })
    .from(orders)
    .where(and(eq(orders.siteKey, site.key), eq(orders.currency, site.currency)))
    .all();
  const calibrationEnd = rows.reduce((latest, row) => Math.max(latest, dayOf(row.placedAt)), 0);
  const histories = summarizePurchases(
    rows.map((row) => ({ customerId: row.profileId, day: dayOf(row.placedAt), value: row.value })),
    calibrationEnd,
    WEEK_DAYS,
  );
  const repeaters = histories.filter((history) => history.x > 0);
  const minorPerMajor = 10 ** (currencyExponent(site.currency) ?? 2);
  const run: PredictionRun = { status: 'unusable', customers: histories.length, repeatCustomers: repeaters.length, findings: [], bgnbd: null, gammaGamma: null };

  const gap = historyGapDays(rows.map((row) => dayOf(row.placedAt)), calibrationEnd);
  if (gap !== undefined) {
    run.findings.push(
      `The latest orders come ${Math.round(gap)} days after almost all the others (99% of orders are older), so the models would measure every customer's recency against a date the history does not reach; import the missing orders, or wait until recent ones accumulate.`,
    );
  } else if (repeaters.length < MIN_REPEAT_CUSTOMERS) {
    run.findings.push(
      `Only ${repeaters.length} customers have ordered more than once; the models need at least ${MIN_REPEAT_CUSTOMERS} to learn how often customers come back.`,
    );
  } else {
    const purchases = fitBgNbd(histories);
    run.bgnbd = { ...purchases.params, logLikelihood: purchases.logLikelihood };
    run.findings.push(...checkPurchaseFit(purchases.params));
    // In major units (pounds, not pence), so that the scale parameter's range means the same in every currency.
    const spend = fitGammaGamma(repeaters.filter((history) => history.meanValue > 0).map((history) => ({ ...history, meanValue: history.meanValue / minorPerMajor })));
    run.gammaGamma = { ...spend.params, logLikelihood: spend.logLikelihood };
    run.findings.push(...checkSpendFit(spend.params, repeaters));
    if (run.findings.length === 0) run.status = 'usable';
  }

  const predictions =
    run.status === 'usable'
      ? histories.map((history) => ({
          id: history.customerId,
          values: predict(run.bgnbd!, run.gammaGamma!, { ...history, meanValue: history.meanValue / minorPerMajor }, minorPerMajor, horizon),
        }))
      : [];
  const update = prepared(
    db,
    'UPDATE profiles SET probability_alive = ?, expected_orders_30 = ?, expected_orders_90 = ?, expected_orders_365 = ?, expected_order_value = ?, predicted_value = ? WHERE site_key = ? AND id = ?',
  );
  writeInChunks(db, predictions, (prediction) => update.run(...prediction.values, site.key, prediction.id));

  // Profiles with predictions from an earlier fit and none now. Every prediction column is set
  // together, so a non-null probability_alive marks the profiles that have them.
  const predicted = new Set(predictions.map((prediction) => prediction.id));
  const stale = (prepared(db, 'SELECT id FROM profiles WHERE site_key = ? AND probability_alive IS NOT NULL').pluck().all(site.key) as string[]).filter(
    (id) => !predicted.has(id),
  );
  const clear = prepared(
    db,
    'UPDATE profiles SET probability_alive = NULL, expected_orders_30 = NULL, expected_orders_90 = NULL, expected_orders_365 = NULL, expected_order_value = NULL, predicted_value = NULL WHERE site_key = ? AND id = ?',
  );
  writeInChunks(db, stale, (id) => clear.run(site.key, id));

  const stored = {
    fittedAt: now,
    calibrationEnd,
    customers: run.customers,
    repeatCustomers: run.repeatCustomers,
    status: run.status,
    findings: JSON.stringify(run.findings),
    bgnbd: run.bgnbd ? JSON.stringify(run.bgnbd) : null,
    gammaGamma: run.gammaGamma ? JSON.stringify(run.gammaGamma) : null,
  };
  writeImmediately(db, () => db.insert(valueModels).values({ siteKey: site.key, ...stored }).onConflictDoUpdate({ target: valueModels.siteKey, set: stored }).run());
  return run;
}

/** A gap of this many days between 99% of the orders and the latest makes the history unusable. */
const MAX_HISTORY_GAP_DAYS = 180;

/**
 * Returns the days between the 99th percentile of order days and the latest order, when they are
 * more than MAX_HISTORY_GAP_DAYS apart: an old import followed by a few new orders, which would
 * make every imported customer look long gone.
 */
function historyGapDays(days: number[], calibrationEnd: number): number | undefined {
  if (days.length === 0) return undefined;
  const sorted = [...days].sort((a, b) => a - b);
  const percentile99 = sorted[Math.floor(0.99 * (sorted.length - 1))]!;
  const gap = (calibrationEnd - percentile99) / DAY_MS;
  return gap > MAX_HISTORY_GAP_DAYS ? gap : undefined;
}

const dayOf = (time: number) => Math.floor(time / DAY_MS) * DAY_MS;

/** Predictions for one customer whose `meanValue` is in major units; money comes back in minor units. */
function predict(
  purchases: BgNbdParams,
  spend: GammaGammaParams,
  history: CustomerHistory,
  minorPerMajor: number,
  horizon: { days: number; yearlyDiscount: number },
) {
  const weeks = (days: number) => days / WEEK_DAYS;
  // A one-time buyer's spend is the population's expected order value.
  const orderValue =
    history.x > 0 && history.meanValue > 0
      ? expectedOrderValue(spend, history)
      : (spend.p * spend.gamma) / (spend.q - 1);
  // Discounted month by month: the orders expected in each month of the horizon, valued at the
  // expected order value and discounted to today.
  const months = Math.max(1, Math.round(horizon.days / 30.4375));
  let value = 0;
  let before = 0;
  for (let month = 1; month <= months; month++) {
    const upTo = expectedPurchases(purchases, weeks((horizon.days * month) / months), history);
    value += ((upTo - before) * orderValue) / (1 + horizon.yearlyDiscount) ** (month / 12);
    before = upTo;
  }
  return [
    probabilityAlive(purchases, history),
    expectedPurchases(purchases, weeks(30), history),
    expectedPurchases(purchases, weeks(90), history),
    expectedPurchases(purchases, weeks(365), history),
    Math.round(orderValue * minorPerMajor),
    Math.round(value * minorPerMajor),
  ] as const;
}

// Parameters outside this range mean the optimiser ran to the edge of what the model can express.
const PARAMETER_RANGE = [0.01, 1000] as const;

/** Plain-language problems with a BG/NBD fit, empty when it looks sound. */
function checkPurchaseFit(params: BgNbdParams): string[] {
  const findings: string[] = [];
  if (params.a < PARAMETER_RANGE[0]) {
    findings.push(
      `The purchase model sees almost no customer stop buying (a = ${params.a.toPrecision(2)}), so it would call every customer active, however long ago they last ordered.`,
    );
  }
  for (const [name, value] of Object.entries(params)) {
    if (name === 'a' && value < PARAMETER_RANGE[0]) continue;
    if (!(value >= PARAMETER_RANGE[0] && value <= PARAMETER_RANGE[1])) {
      findings.push(`The purchase model's ${name} came out at ${value.toPrecision(3)}, the edge of what it can express, so its predictions would not be trustworthy.`);
    }
  }
  return findings;
}

/**
 * Plain-language problems with a Gamma-Gamma fit. The model needs q > 1 for a finite mean order
 * value, and assumes that how much customers spend does not depend on how often they buy.
 */
function checkSpendFit(params: GammaGammaParams, repeaters: CustomerHistory[]): string[] {
  const findings: string[] = [];
  if (!(params.q > 1)) findings.push(`The spend model's q came out at ${params.q.toPrecision(3)}; with q at 1 or less it cannot give an average order value.`);
  for (const [name, value] of Object.entries(params)) {
    if (!(value >= PARAMETER_RANGE[0] && value <= PARAMETER_RANGE[1])) {
      findings.push(`The spend model's ${name} came out at ${value.toPrecision(3)}, the edge of what it can express, so its predictions would not be trustworthy.`);
    }
  }
  const correlation = pearson(
    repeaters.map((history) => history.x),
    repeaters.map((history) => history.meanValue),
  );
  if (Math.abs(correlation) > 0.3) {
    findings.push(
      `How much customers spend per order depends on how often they order (correlation ${correlation.toFixed(2)}), which the spend model assumes it does not.`,
    );
  }
  return findings;
}

function pearson(xs: number[], ys: number[]): number {
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  const mx = mean(xs);
  const my = mean(ys);
  let covariance = 0;
  let vx = 0;
  let vy = 0;
  xs.forEach((x, i) => {
    covariance += (x - mx) * (ys[i]! - my);
    vx += (x - mx) ** 2;
    vy += (ys[i]! - my) ** 2;
  });
  return vx > 0 && vy > 0 ? covariance / Math.sqrt(vx * vy) : 0;
}
