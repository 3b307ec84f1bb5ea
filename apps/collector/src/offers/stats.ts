import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';

/** One group of visitors: totals over distinct visitors. Revenue in integer minor units (pence). */
export interface Arm {
  /** Distinct visitors in the group. */
  visitors: number;
  /** Visitors with at least one attributed purchase. */
  conversions: number;
  /** Sum of attributed revenue over the group's visitors. */
  revenue: number;
  /** Sum over visitors of the square of that visitor's attributed revenue, for the variance. */
  revenueSquares: number;
}

export interface ComparisonOptions {
  /** Minimum visitors in each group before any verdict, an integer of at least 1. */
  minVisitorsPerGroup: number;
  /** Smallest change worth detecting, relative to the control's conversion rate (0.1 = 10%). */
  minimumDetectableEffect: number;
  /** Two-sided confidence level of every interval and of the verdict (default 0.95). */
  confidence?: number;
  /** Probability of detecting a true difference of the target size (default 0.8). */
  power?: number;
}

export type Verdict = 'better' | 'worse' | 'no_difference' | 'not_enough_data';

/**
 * Result of comparing a treatment group (shown the offer) with a control group (shown nothing).
 * Rates are fractions (0.12 = 12%) and revenue is in the minor units of the input.
 */
export interface Comparison {
  /** Treatment conversion rate pt, or 0 for an empty group. */
  treatmentRate: number;
  /** Control conversion rate pc, or 0 for an empty group. */
  controlRate: number;
  /** pt - pc. */
  absoluteUplift: number;
  /** Wald interval of pt - pc at `confidence`, clipped to [-1, 1]. It is [-1, 1] when a group is empty. */
  absoluteInterval: [number, number];
  /** (pt - pc) / pc, or null when pc = 0. */
  relativeUplift: number | null;
  /** Katz log interval of the risk ratio pt / pc, minus 1, or null when either group has no conversions. */
  relativeInterval: [number, number] | null;
  /**
   * P(treatment rate > control rate) under the normal approximation, Φ(d / se) with the Wald se.
   * It is 0.5 when a group is empty or when se = 0 and d = 0, and 1 or 0 when se = 0 and d ≠ 0.
   */
  probabilityBetter: number;
  /** Mean revenue per visitor in each group, their difference and its Welch normal interval. */
  revenuePerVisitor: { treatment: number; control: number; difference: number; interval: [number, number] };
  /** False when no visitor in either group has converted, so the sample size cannot be estimated. */
  sampleSizeKnown: boolean;
  /**
   * Visitors each group needs before a verdict: the larger of `minVisitorsPerGroup` and the
   * two-proportion sample size, or `minVisitorsPerGroup` alone when `sampleSizeKnown` is false.
   */
  visitorsNeededPerGroup: number;
  /**
   * More visitors the smaller group needs to reach `visitorsNeededPerGroup`. The other group
   * needs at most as many. This is the "per group" number of the summary.
   */
  moreVisitorsNeeded: number;
  /** Sum over both groups of the visitors each still needs, less than twice `moreVisitorsNeeded` for unequal groups. */
  moreVisitorsNeededTotal: number;
  verdict: Verdict;
  /** Plain-English result for the shop owner, in one or two sentences. */
  summary: string;
}

const DEFAULT_CONFIDENCE = 0.95;
const DEFAULT_POWER = 0.8;

/**
 * Compares the conversion rate and revenue per visitor of a treatment group with a control group.
 * Throws a RangeError when a count or option is out of range.
 *
 * The verdict is `not_enough_data` while either group has fewer than `visitorsNeededPerGroup`
 * visitors. After that it is `better` when the absolute interval lies entirely above 0, `worse`
 * when it lies entirely below 0, and `no_difference` otherwise.
 */
export function compareArms(treatment: Arm, control: Arm, options: ComparisonOptions): Comparison {
  validateArm('treatment', treatment);
  validateArm('control', control);
  const { confidence, power } = validateOptions(options);

  // Two-sided critical value for the intervals, one-sided value for the power.
  const zConfidence = normalQuantile((1 + confidence) / 2, 0, 1);
  const zPower = normalQuantile(power, 0, 1);

  const treatmentRate = rate(treatment);
  const controlRate = rate(control);
  const absoluteUplift = treatmentRate - controlRate;
  // The Wald formula would treat an empty group's rate of 0 as exact, so an empty group gets the
  // widest interval and even odds instead.
  const bothHaveVisitors = treatment.visitors > 0 && control.visitors > 0;
  const standardError = Math.sqrt(rateVariance(treatment) + rateVariance(control));
  const margin = zConfidence * standardError;
  const absoluteInterval: [number, number] = bothHaveVisitors
    ? [Math.max(-1, absoluteUplift - margin), Math.min(1, absoluteUplift + margin)]
    : [-1, 1];
  const probabilityBetter = bothHaveVisitors ? probabilityPositive(absoluteUplift, standardError) : 0.5;

  const totalConversions = treatment.conversions + control.conversions;
  const pooledRate = totalConversions === 0 ? 0 : totalConversions / (treatment.visitors + control.visitors);
  const sampleSize =
    pooledRate === 0
      ? null
      : twoProportionSampleSize(treatmentRate, controlRate, pooledRate, options.minimumDetectableEffect, zConfidence, zPower);
  const visitorsNeededPerGroup = Math.max(options.minVisitorsPerGroup, sampleSize ?? 0);
  const smallerGroup = Math.min(treatment.visitors, control.visitors);

  let verdict: Verdict;
  if (smallerGroup < visitorsNeededPerGroup) verdict = 'not_enough_data';
  else if (absoluteInterval[0] > 0) verdict = 'better';
  else if (absoluteInterval[1] < 0) verdict = 'worse';
  else verdict = 'no_difference';

  const comparison: Omit<Comparison, 'summary'> = {
    treatmentRate,
    controlRate,
    absoluteUplift,
    absoluteInterval,
    relativeUplift: controlRate === 0 ? null : absoluteUplift / controlRate,
    relativeInterval: riskRatioInterval(treatment, control, zConfidence),
    probabilityBetter,
    revenuePerVisitor: compareRevenue(treatment, control, zConfidence),
    sampleSizeKnown: sampleSize !== null,
    visitorsNeededPerGroup,
    moreVisitorsNeeded: Math.max(0, visitorsNeededPerGroup - smallerGroup),
    moreVisitorsNeededTotal:
      Math.max(0, visitorsNeededPerGroup - treatment.visitors) + Math.max(0, visitorsNeededPerGroup - control.visitors),
    verdict,
  };
  return { ...comparison, summary: summarize(comparison, confidence) };
}

function validateArm(name: string, arm: Arm): void {
  for (const field of ['visitors', 'conversions'] as const) {
    const value = arm[field];
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`invalid ${name}.${field}: ${value} (expected a non-negative integer)`);
    }
  }
  if (arm.conversions > arm.visitors) {
    throw new RangeError(
      `invalid ${name}.conversions: ${arm.conversions} is more than the ${arm.visitors} visitors, but each visitor counts as one conversion at most`,
    );
  }
  if (!Number.isFinite(arm.revenue)) {
    throw new RangeError(`invalid ${name}.revenue: ${arm.revenue} (expected a finite number)`);
  }
  if (!Number.isFinite(arm.revenueSquares) || arm.revenueSquares < 0) {
    throw new RangeError(`invalid ${name}.revenueSquares: ${arm.revenueSquares} (expected a finite non-negative number)`);
  }
}

function validateOptions(options: ComparisonOptions): { confidence: number; power: number } {
  const { minVisitorsPerGroup, minimumDetectableEffect } = options;
  const confidence = options.confidence ?? DEFAULT_CONFIDENCE;
  const power = options.power ?? DEFAULT_POWER;

  if (!Number.isSafeInteger(minVisitorsPerGroup) || minVisitorsPerGroup < 1) {
    throw new RangeError(`invalid minVisitorsPerGroup: ${minVisitorsPerGroup} (expected an integer of at least 1)`);
  }
  if (!Number.isFinite(minimumDetectableEffect) || minimumDetectableEffect <= 0) {
    throw new RangeError(`invalid minimumDetectableEffect: ${minimumDetectableEffect} (expected a positive number, such as 0.1 for 10%)`);
  }
  if (!(confidence > 0 && confidence < 1)) {
    throw new RangeError(`invalid confidence: ${confidence} (expected a number between 0 and 1, such as 0.95)`);
  }
  if (!(power > 0 && power < 1)) {
    throw new RangeError(`invalid power: ${power} (expected a number between 0 and 1, such as 0.8)`);
  }
  return { confidence, power };
}

function rate(arm: Arm): number {
  return arm.visitors === 0 ? 0 : arm.conversions / arm.visitors;
}

/** Binomial variance of a group's conversion rate, p(1 - p) / n, or 0 for an empty group. */
function rateVariance(arm: Arm): number {
  if (arm.visitors === 0) return 0;
  const p = rate(arm);
  return (p * (1 - p)) / arm.visitors;
}

function probabilityPositive(difference: number, standardError: number): number {
  if (standardError === 0) {
    if (difference === 0) return 0.5;
    return difference > 0 ? 1 : 0;
  }
  return normalCdf(difference / standardError, 0, 1);
}

/**
 * Returns the visitors per group that a two-sided two-proportion z-test needs to detect
 * δ = max(|pt - pc|, minimumDetectableEffect * baseline). The normal approximation, with the
 * pooled variance under the null hypothesis and no continuity correction, gives
 *
 *   n = (zConfidence * sqrt(2 p̄ (1 - p̄)) + zPower * sqrt(p1 (1 - p1) + p2 (1 - p2)))² / δ²
 *
 * with p1 = pc, p2 = pc ± δ from chooseAlternativeRate and p̄ = (p1 + p2) / 2. The result is
 * rounded up and capped at Number.MAX_SAFE_INTEGER. `pooledRate` must be positive.
 */
function twoProportionSampleSize(
  treatmentRate: number,
  controlRate: number,
  pooledRate: number,
  minimumDetectableEffect: number,
  zConfidence: number,
  zPower: number,
): number {
  // A relative effect of a zero control rate is zero, so with no control conversions the effect
  // is taken relative to the pooled rate of both groups, which is positive here.
  const baseline = controlRate > 0 ? controlRate : pooledRate;
  const smallestEffect = minimumDetectableEffect * baseline;
  const alternativeRate = chooseAlternativeRate(treatmentRate, controlRate, smallestEffect);
  const delta = Math.abs(alternativeRate - controlRate);

  const meanRate = (controlRate + alternativeRate) / 2;
  const nullTerm = zConfidence * Math.sqrt(2 * meanRate * (1 - meanRate));
  const alternativeTerm =
    zPower * Math.sqrt(controlRate * (1 - controlRate) + alternativeRate * (1 - alternativeRate));
  const visitors = (nullTerm + alternativeTerm) ** 2 / delta ** 2;

  // An effect too small to represent gives delta = 0 and so Infinity or NaN, and no sample is enough.
  if (!(visitors < Number.MAX_SAFE_INTEGER)) return Number.MAX_SAFE_INTEGER;
  return Math.ceil(visitors);
}

/**
 * Picks the treatment rate p2 for the sample size. The observed rate is used when it is at least
 * `smallestEffect` away from the control. Otherwise p2 is pc + smallestEffect, or
 * pc - smallestEffect when that exceeds 1. When neither lies in [0, 1], p2 is the farther bound,
 * so δ shrinks to the largest change the rates allow.
 */
function chooseAlternativeRate(treatmentRate: number, controlRate: number, smallestEffect: number): number {
  if (Math.abs(treatmentRate - controlRate) >= smallestEffect) return treatmentRate;
  if (controlRate + smallestEffect <= 1) return controlRate + smallestEffect;
  if (controlRate - smallestEffect >= 0) return controlRate - smallestEffect;
  return controlRate <= 0.5 ? 1 : 0;
}

/**
 * Returns the Katz log interval of the risk ratio pt / pc, minus 1, so it reads as a relative
 * uplift: exp(ln(pt / pc) ± z * sqrt(1/ct - 1/nt + 1/cc - 1/nc)) - 1.
 */
function riskRatioInterval(treatment: Arm, control: Arm, zConfidence: number): [number, number] | null {
  // Zero conversions also covers an empty group.
  if (treatment.conversions === 0 || control.conversions === 0) return null;

  const logRatio = Math.log(rate(treatment) / rate(control));
  const variance =
    1 / treatment.conversions - 1 / treatment.visitors + 1 / control.conversions - 1 / control.visitors;
  const margin = zConfidence * Math.sqrt(Math.max(0, variance));
  return [Math.exp(logRatio - margin) - 1, Math.exp(logRatio + margin) - 1];
}

function compareRevenue(treatment: Arm, control: Arm, zConfidence: number): Comparison['revenuePerVisitor'] {
  const treatmentMean = treatment.visitors === 0 ? 0 : treatment.revenue / treatment.visitors;
  const controlMean = control.visitors === 0 ? 0 : control.revenue / control.visitors;
  const difference = treatmentMean - controlMean;

  const combined: Arm = {
    visitors: treatment.visitors + control.visitors,
    conversions: treatment.conversions + control.conversions,
    revenue: treatment.revenue + control.revenue,
    revenueSquares: treatment.revenueSquares + control.revenueSquares,
  };
  const combinedVariance = sampleVariance(combined) ?? 0;
  const standardError = Math.sqrt(
    meanVariance(treatment, combinedVariance) + meanVariance(control, combinedVariance),
  );
  const margin = zConfidence * standardError;
  return {
    treatment: treatmentMean,
    control: controlMean,
    difference,
    interval: [difference - margin, difference + margin],
  };
}

/**
 * Returns the variance of a group's mean revenue per visitor, s² / n. A group of one visitor has
 * no sample variance of its own, so it borrows the variance of both groups together.
 */
function meanVariance(arm: Arm, combinedVariance: number): number {
  // NOTE: an empty group's mean is reported as 0 and adds no uncertainty, so the interval is too
  // narrow. The verdict is then always not_enough_data because minVisitorsPerGroup is at least 1.
  if (arm.visitors === 0) return 0;
  return (sampleVariance(arm) ?? combinedVariance) / arm.visitors;
}

/**
 * Returns the unbiased sample variance of per-visitor revenue, (Σx² - (Σx)² / n) / (n - 1), or
 * null below two visitors. Rounding in large sums, or totals that no set of visitors could
 * produce, can make it negative, so it is clamped at 0.
 */
function sampleVariance(arm: Arm): number | null {
  if (arm.visitors < 2) return null;
  const variance = (arm.revenueSquares - arm.revenue ** 2 / arm.visitors) / (arm.visitors - 1);
  return Math.max(0, variance);
}

const countFormat = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 0 });
const percentFormat = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 2 });

function summarize(comparison: Omit<Comparison, 'summary'>, confidence: number): string {
  const more = countFormat.format(comparison.moreVisitorsNeeded);
  if (comparison.verdict === 'not_enough_data') {
    if (!comparison.sampleSizeKnown) {
      return (
        `Not enough data yet: at least ${more} more visitors per group. ` +
        'No visitor has bought anything yet, so the full number needed is unknown.'
      );
    }
    return `Not enough data yet: about ${more} more visitors per group.`;
  }

  if (!comparison.sampleSizeKnown) {
    return 'No clear difference from showing nothing: no visitor in either group has bought anything yet.';
  }
  const [lower, upper] = comparison.absoluteInterval;
  const level = percentFormat.format(confidence * 100);
  const interval = `${level}% interval ${formatPoints(lower)} to ${formatPoints(upper)}`;
  const estimate = `${formatPoints(comparison.absoluteUplift)} points (${interval})`;
  if (comparison.verdict === 'better') return `Better than showing nothing: ${estimate}.`;
  if (comparison.verdict === 'worse') return `Worse than showing nothing: ${estimate}.`;
  return `No clear difference from showing nothing: ${estimate}.`;
}

/** Formats a difference of rates as signed percentage points with one decimal, such as "+2.1". */
function formatPoints(difference: number): string {
  const rounded = Math.round(difference * 1000) / 10;
  let sign = '';
  if (rounded > 0) sign = '+';
  if (rounded < 0) sign = '-';
  return `${sign}${Math.abs(rounded).toFixed(1)}`;
}
