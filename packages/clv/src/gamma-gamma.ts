import gammaln from '@stdlib/math-base-special-gammaln';
import { minimizePositive } from './optimize.js';

/** A repeat customer for the spend model: `x` repeat purchases with mean value `meanValue`. */
export interface SpendSummary {
  x: number;
  meanValue: number;
}

/** Gamma-Gamma parameters: a customer's spend per order is Gamma(p, ν) with ν ~ Gamma(q, γ). */
export interface GammaGammaParams {
  p: number;
  q: number;
  gamma: number;
}

/** Log-likelihood of the customers' mean order values (Fader & Hardie, "The Gamma-Gamma model of monetary value", 2013). */
export function spendLogLikelihood({ p, q, gamma }: GammaGammaParams, customers: SpendSummary[]): number {
  let total = 0;
  for (const { x, meanValue } of customers) {
    total +=
      gammaln(p * x + q) -
      gammaln(p * x) -
      gammaln(q) +
      q * Math.log(gamma) +
      (p * x - 1) * Math.log(meanValue) +
      p * x * Math.log(x) -
      (p * x + q) * Math.log(gamma + meanValue * x);
  }
  return total;
}

/** Fits Gamma-Gamma by maximum likelihood on customers with at least one repeat purchase. */
export function fitGammaGamma(customers: SpendSummary[]): { params: GammaGammaParams; logLikelihood: number } {
  const repeaters = customers.filter((customer) => customer.x > 0 && customer.meanValue > 0);
  const result = minimizePositive(([p, q, gamma]) => -spendLogLikelihood({ p: p!, q: q!, gamma: gamma! }, repeaters), [1, 1, 1]);
  const [p, q, gamma] = result.params as [number, number, number];
  return { params: { p, q, gamma }, logLikelihood: -result.value };
}

/** Expected value of a customer's future orders, shrunk from their own mean toward the population's. */
export function expectedOrderValue({ p, q, gamma }: GammaGammaParams, { x, meanValue }: SpendSummary): number {
  return (p * (gamma + x * meanValue)) / (p * x + q - 1);
}
