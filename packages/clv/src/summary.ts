import type { RfmSummary } from './bgnbd.js';

/** One purchase: who made it, on which day (epoch milliseconds of its date), and its value. */
export interface Purchase {
  customerId: string;
  day: number;
  value: number;
}

export interface CustomerHistory extends RfmSummary {
  customerId: string;
  /** Mean value of the repeat purchases in the calibration period; 0 without any. */
  meanValue: number;
  /** Repeat purchase days after the calibration period, for judging forecasts. */
  holdoutPurchases: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Builds each customer's BG/NBD input from raw purchases, as Fader, Hardie and Lee count them.
 * Purchases on one day are one purchase, with their values added up. `x` counts the days after
 * the first up to `calibrationEnd`. Times are in units of `unitDays` days (7 for weeks) from the
 * customer's first purchase.
 */
export function summarizePurchases(purchases: Purchase[], calibrationEnd: number, unitDays = 7): CustomerHistory[] {
  const byCustomer = new Map<string, Map<number, number>>();
  for (const purchase of purchases) {
    const days = byCustomer.get(purchase.customerId) ?? new Map<number, number>();
    days.set(purchase.day, (days.get(purchase.day) ?? 0) + purchase.value);
    byCustomer.set(purchase.customerId, days);
  }

  const unit = unitDays * DAY_MS;
  const histories: CustomerHistory[] = [];
  for (const [customerId, days] of byCustomer) {
    const sorted = [...days.entries()].sort((a, b) => a[0] - b[0]);
    const first = sorted[0]![0];
    if (first > calibrationEnd) continue;
    const repeats = sorted.slice(1).filter(([day]) => day <= calibrationEnd);
    const last = repeats.at(-1)?.[0] ?? first;
    histories.push({
      customerId,
      x: repeats.length,
      tx: (last - first) / unit,
      T: (calibrationEnd - first) / unit,
      meanValue: repeats.length ? repeats.reduce((sum, [, value]) => sum + value, 0) / repeats.length : 0,
      holdoutPurchases: sorted.filter(([day]) => day > calibrationEnd).length,
    });
  }
  return histories;
}
