import gammaln from '@stdlib/math-base-special-gammaln';
import { Distinct } from './distinct.js';
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
  const likelihood = preparedSpendLogLikelihood(repeaters);
  const result = minimizePositive(([p, q, gamma]) => -likelihood({ p: p!, q: q!, gamma: gamma! }), [1, 1, 1]);
  const [p, q, gamma] = result.params as [number, number, number];
  return { params: { p, q, gamma }, logLikelihood: -result.value };
}

/**
 * Prepares the customers for repeated evaluation of `spendLogLikelihood` and returns a function of
 * the parameters that gives the same sum, bit for bit. The logarithms of each customer's data are
 * computed once, and the Gamma function terms once per distinct x, with the arithmetic and the
 * order of the sum of `spendLogLikelihood`.
 */
export function preparedSpendLogLikelihood(customers: SpendSummary[]): (params: GammaGammaParams) => number {
  const xs = new Distinct();
  const xIndex = customers.map(({ x }) => xs.indexOf(x));
  const logMean = customers.map(({ meanValue }) => Math.log(meanValue));
  const spent = customers.map(({ x, meanValue }) => meanValue * x);
  const logX = xs.values.map((x) => Math.log(x));

  const px = new Float64Array(xs.values.length);
  const gammalnPxQ = new Float64Array(xs.values.length);
  const gammalnPx = new Float64Array(xs.values.length);
  return ({ p, q, gamma }) => {
    xs.values.forEach((x, i) => {
      px[i] = p * x;
      gammalnPxQ[i] = gammaln(px[i]! + q);
      gammalnPx[i] = gammaln(px[i]!);
    });
    const gammalnQ = gammaln(q);
    const qLogGamma = q * Math.log(gamma);

    let total = 0;
    for (let customer = 0; customer < customers.length; customer++) {
      const i = xIndex[customer]!;
      const pxi = px[i]!;
      total +=
        gammalnPxQ[i]! -
        gammalnPx[i]! -
        gammalnQ +
        qLogGamma +
        (pxi - 1) * logMean[customer]! +
        pxi * logX[i]! -
        (pxi + q) * Math.log(gamma + spent[customer]!);
    }
    return total;
  };
}

/** Expected value of a customer's future orders, shrunk from their own mean toward the population's. */
export function expectedOrderValue({ p, q, gamma }: GammaGammaParams, { x, meanValue }: SpendSummary): number {
  return (p * (gamma + x * meanValue)) / (p * x + q - 1);
}
