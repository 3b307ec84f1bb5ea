import { describe, expect, it } from 'vitest';
import { customerLogLikelihood, fitBgNbd, groupedLogLikelihood, logLikelihood, type BgNbdParams, type RfmSummary } from './bgnbd.js';
import { fitGammaGamma, preparedSpendLogLikelihood, spendLogLikelihood, type SpendSummary } from './gamma-gamma.js';
import { minimizePositive } from './optimize.js';

/** Returns a deterministic pseudo-random sequence in [0, 1) (mulberry32), so that every run gets the same customers. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Customers over a 39-week calibration in whole days, as the collector summarises them: most buy
 * once, so many share their (x, tx, T), and a few buy often.
 */
function customers(count: number): Array<RfmSummary & { meanValue: number }> {
  const next = random(7);
  return Array.from({ length: count }, () => {
    const T = Math.floor(next() * 273) / 7;
    const x = next() < 0.6 ? 0 : Math.floor(next() ** 3 * 40) + 1;
    const tx = x === 0 ? 0 : Math.floor(next() * T * 7) / 7;
    return { x, tx, T, meanValue: x === 0 ? 0 : Math.round(500 + next() * 20000) / 100 };
  });
}

/** Sums customerLogLikelihood once per distinct history times its count, as fitBgNbd did before `groupedLogLikelihood`. */
function referenceLogLikelihood(params: BgNbdParams, population: RfmSummary[]): number {
  const groups = new Map<string, { customer: RfmSummary; count: number }>();
  for (const customer of population) {
    const key = `${customer.x}|${customer.tx}|${customer.T}`;
    const group = groups.get(key);
    if (group) group.count++;
    else groups.set(key, { customer, count: 1 });
  }
  let total = 0;
  for (const { customer, count } of groups.values()) total += count * customerLogLikelihood(params, customer);
  return total;
}

const parameterSets: BgNbdParams[] = [
  { r: 1, alpha: 1, a: 1, b: 1 },
  { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 },
  { r: 0.0031, alpha: 812.5, a: 0.00021, b: 97.3 },
  { r: 45.2, alpha: 0.013, a: 12.7, b: 0.0044 },
];

describe('grouped BG/NBD likelihood', () => {
  const population = customers(5000);

  it('groups customers with equal histories', () => {
    const distinct = new Set(population.map(({ x, tx, T }) => `${x}|${tx}|${T}`)).size;

    expect(distinct).toBeLessThan(population.length / 2);
  });

  it.each(parameterSets)('equals the per-history sum bit for bit at %o', (params) => {
    expect(groupedLogLikelihood(population)(params)).toBe(referenceLogLikelihood(params, population));
  });

  it.each(parameterSets)('matches the per-customer sum at %o', (params) => {
    const perCustomer = logLikelihood(params, population);

    expect(Math.abs(groupedLogLikelihood(population)(params) - perCustomer)).toBeLessThan(1e-9 * Math.abs(perCustomer));
  });

  it('fits the same parameters as the per-history objective', () => {
    const sample = population.slice(0, 1500);
    const reference = minimizePositive(([r, alpha, a, b]) => -referenceLogLikelihood({ r: r!, alpha: alpha!, a: a!, b: b! }, sample), [1, 1, 1, 1]);
    const fit = fitBgNbd(sample);

    expect([fit.params.r, fit.params.alpha, fit.params.a, fit.params.b]).toEqual(reference.params);
    expect(fit.logLikelihood).toBe(-reference.value);
  });
});

describe('prepared Gamma-Gamma likelihood', () => {
  const repeaters: SpendSummary[] = customers(5000).filter((customer) => customer.x > 0);
  const spendParameterSets = [
    { p: 1, q: 1, gamma: 1 },
    { p: 6.25, q: 3.74, gamma: 15.44 },
    { p: 0.02, q: 950, gamma: 0.5 },
  ];

  it.each(spendParameterSets)('equals spendLogLikelihood bit for bit at %o', (params) => {
    expect(preparedSpendLogLikelihood(repeaters)(params)).toBe(spendLogLikelihood(params, repeaters));
  });

  it('fits the same parameters as spendLogLikelihood', () => {
    const reference = minimizePositive(([p, q, gamma]) => -spendLogLikelihood({ p: p!, q: q!, gamma: gamma! }, repeaters), [1, 1, 1]);
    const fit = fitGammaGamma(repeaters);

    expect([fit.params.p, fit.params.q, fit.params.gamma]).toEqual(reference.params);
    expect(fit.logLikelihood).toBe(-reference.value);
  });
});
