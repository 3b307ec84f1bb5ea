import gammaln from '@stdlib/math-base-special-gammaln';
import { Distinct } from './distinct.js';
import { minimizePositive } from './optimize.js';

/**
 * One customer's purchase history in the calibration period: `x` repeat purchases (purchase days
 * after the first), the last at `tx`, and `T` since the first purchase, all in one time unit.
 */
export interface RfmSummary {
  x: number;
  tx: number;
  T: number;
}

/** BG/NBD parameters: purchase rates are Gamma(r, α); the dropout probability is Beta(a, b). */
export interface BgNbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

const logSumExp = (x: number, y: number) => Math.max(x, y) + Math.log1p(Math.exp(-Math.abs(x - y)));

/**
 * Computes one customer's log-likelihood under BG/NBD (Fader, Hardie & Lee 2005, equation 6) in
 * log space, so that customers with hundreds of purchases do not overflow.
 */
export function customerLogLikelihood({ r, alpha, a, b }: BgNbdParams, { x, tx, T }: RfmSummary): number {
  const base =
    gammaln(r + x) - gammaln(r) + r * Math.log(alpha) + gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x);
  const stillActive = -(r + x) * Math.log(alpha + T);
  if (x === 0) return base + stillActive;
  const droppedOut = Math.log(a) - Math.log(b + x - 1) - (r + x) * Math.log(alpha + tx);
  return base + logSumExp(stillActive, droppedOut);
}

/** Sums the log-likelihood over customers. */
export function logLikelihood(params: BgNbdParams, customers: RfmSummary[]): number {
  let total = 0;
  for (const customer of customers) total += customerLogLikelihood(params, customer);
  return total;
}

export interface BgNbdFit {
  params: BgNbdParams;
  logLikelihood: number;
}

/**
 * Fits BG/NBD by maximum likelihood, with `groupedLogLikelihood` as the objective.
 */
export function fitBgNbd(customers: RfmSummary[]): BgNbdFit {
  const likelihood = groupedLogLikelihood(customers);
  const result = minimizePositive(([r, alpha, a, b]) => -likelihood({ r: r!, alpha: alpha!, a: a!, b: b! }), [1, 1, 1, 1]);
  const [r, alpha, a, b] = result.params as [number, number, number, number];
  return { params: { r, alpha, a, b }, logLikelihood: -result.value };
}

/**
 * Prepares the customers for repeated evaluation of their log-likelihood and returns it as a
 * function of the parameters. Customers with the same (x, tx, T) share one term, multiplied by
 * their number: with times counted in whole days, most one-time buyers differ only in their first
 * purchase day. The sum equals `logLikelihood` up to rounding. The Gamma function terms depend on x
 * alone and the logarithms of α + T and α + tx on one time each, so each is computed once per
 * distinct value, with the arithmetic of `customerLogLikelihood`.
 */
export function groupedLogLikelihood(customers: RfmSummary[]): (params: BgNbdParams) => number {
  const xs = new Distinct();
  const ts = new Distinct();
  const txs = new Distinct();
  const groupOf = new Map<string, number>();
  const groupX: number[] = [];
  const groupT: number[] = [];
  const groupTx: number[] = [];
  const groupCount: number[] = [];
  for (const { x, tx, T } of customers) {
    const key = `${x}|${tx}|${T}`;
    const group = groupOf.get(key);
    if (group !== undefined) {
      groupCount[group]!++;
      continue;
    }
    groupOf.set(key, groupCount.length);
    groupX.push(xs.indexOf(x));
    groupT.push(ts.indexOf(T));
    groupTx.push(txs.indexOf(tx));
    groupCount.push(1);
  }

  const base = new Float64Array(xs.values.length);
  const rPlusX = new Float64Array(xs.values.length);
  const logDropoutRatio = new Float64Array(xs.values.length);
  const logAlphaT = new Float64Array(ts.values.length);
  const logAlphaTx = new Float64Array(txs.values.length);
  return ({ r, alpha, a, b }) => {
    const gammalnR = gammaln(r);
    const rLogAlpha = r * Math.log(alpha);
    const gammalnAB = gammaln(a + b);
    const gammalnB = gammaln(b);
    const logA = Math.log(a);
    xs.values.forEach((x, i) => {
      base[i] = gammaln(r + x) - gammalnR + rLogAlpha + gammalnAB + gammaln(b + x) - gammalnB - gammaln(a + b + x);
      rPlusX[i] = r + x;
      logDropoutRatio[i] = logA - Math.log(b + x - 1);
    });
    ts.values.forEach((T, i) => (logAlphaT[i] = Math.log(alpha + T)));
    txs.values.forEach((tx, i) => (logAlphaTx[i] = Math.log(alpha + tx)));

    let total = 0;
    for (let group = 0; group < groupCount.length; group++) {
      const xIndex = groupX[group]!;
      const stillActive = -rPlusX[xIndex]! * logAlphaT[groupT[group]!]!;
      let term: number;
      if (xs.values[xIndex] === 0) {
        term = base[xIndex]! + stillActive;
      } else {
        const droppedOut = logDropoutRatio[xIndex]! - rPlusX[xIndex]! * logAlphaTx[groupTx[group]!]!;
        term = base[xIndex]! + logSumExp(stillActive, droppedOut);
      }
      total += groupCount[group]! * term;
    }
    return total;
  };
}

/** Probability that the customer is still active at the end of the calibration period. */
export function probabilityAlive({ r, alpha, a, b }: BgNbdParams, { x, tx, T }: RfmSummary): number {
  if (x === 0) return 1;
  const ratio = Math.log(a) - Math.log(b + x - 1) + (r + x) * (Math.log(alpha + T) - Math.log(alpha + tx));
  return 1 / (1 + Math.exp(ratio));
}

/** Gauss's hypergeometric function 2F1(a, b; c; z) by its series, for 0 <= z < 1. */
export function hypergeometric2F1(a: number, b: number, c: number, z: number): number {
  let term = 1;
  let sum = 1;
  for (let n = 0; n < 100_000; n++) {
    term *= ((a + n) * (b + n) * z) / ((c + n) * (n + 1));
    sum += term;
    if (Math.abs(term) < 1e-15 * Math.abs(sum)) return sum;
  }
  throw new RangeError(`2F1(${a}, ${b}; ${c}; ${z}) did not converge`);
}

/**
 * Expected number of purchases in the next `t` time units for a customer with this history
 * (Fader, Hardie & Lee 2005, equation 10).
 */
export function expectedPurchases({ r, alpha, a, b }: BgNbdParams, t: number, { x, tx, T }: RfmSummary): number {
  const z = t / (alpha + T + t);
  const growth = 1 - Math.exp((r + x) * Math.log((alpha + T) / (alpha + T + t))) * hypergeometric2F1(r + x, b + x, a + b + x - 1, z);
  const numerator = ((a + b + x - 1) / (a - 1)) * growth;
  if (x === 0) return numerator;
  return numerator / (1 + (a / (b + x - 1)) * Math.exp((r + x) * (Math.log(alpha + T) - Math.log(alpha + tx))));
}
