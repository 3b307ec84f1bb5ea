import { describe, expect, it } from 'vitest';
import { customerLogLikelihood, expectedPurchases, hypergeometric2F1, probabilityAlive } from './bgnbd.js';
import { expectedOrderValue } from './gamma-gamma.js';

const params = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };

describe('BG/NBD', () => {
  it('stays finite for hundreds of purchases', () => {
    expect(Number.isFinite(customerLogLikelihood(params, { x: 800, tx: 38, T: 39 }))).toBe(true);
  });

  it('gives a one-time buyer full probability of being alive', () => {
    expect(probabilityAlive(params, { x: 0, tx: 0, T: 39 })).toBe(1);
  });

  it('thinks a long-silent frequent buyer has left', () => {
    expect(probabilityAlive(params, { x: 10, tx: 5, T: 39 })).toBeLessThan(0.05);
    expect(probabilityAlive(params, { x: 10, tx: 38, T: 39 })).toBeGreaterThan(0.9);
  });

  it('expects more purchases over longer horizons', () => {
    const customer = { x: 2, tx: 30.43, T: 38.86 };
    const in13 = expectedPurchases(params, 13, customer);
    const in52 = expectedPurchases(params, 52, customer);

    expect(in13).toBeGreaterThan(0);
    expect(in52).toBeGreaterThan(in13);
  });

  it('sums 2F1 to its closed form', () => {
    // 2F1(1, 1; 2; z) = -ln(1 - z) / z
    expect(hypergeometric2F1(1, 1, 2, 0.5)).toBeCloseTo(-Math.log(0.5) / 0.5, 12);
  });
});

describe('Gamma-Gamma', () => {
  it('pulls a customer\'s mean toward the population mean', () => {
    const spend = { p: 6.25, q: 3.74, gamma: 15.44 };
    const populationMean = (spend.p * spend.gamma) / (spend.q - 1);
    const oneOrder = expectedOrderValue(spend, { x: 1, meanValue: 100 });
    const manyOrders = expectedOrderValue(spend, { x: 50, meanValue: 100 });

    expect(oneOrder).toBeGreaterThan(populationMean);
    expect(oneOrder).toBeLessThan(manyOrders);
    expect(manyOrders).toBeLessThan(100);
  });
});
