import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareArms, type Arm, type Comparison, type ComparisonOptions } from './stats.js';

// Expected values below were computed by hand with plain Math, independently of the module:
// z(0.975) = 1.959963984540054 and z(0.8) = 0.8416212335729143 from normal tables, Φ by Simpson
// integration of the normal density, and the sample size for a two-proportion z-test as
//   n = (1.959964 * sqrt(2 p̄ (1 - p̄)) + 0.841621 * sqrt(p1 (1 - p1) + p2 (1 - p2)))² / (p2 - p1)²
// with p1 = pc, p2 the treatment rate assumed and p̄ = (p1 + p2) / 2.

const options: ComparisonOptions = { minVisitorsPerGroup: 1000, minimumDetectableEffect: 0.1 };

function arm(visitors: number, conversions: number, revenue = 0, revenueSquares = 0): Arm {
  return { visitors, conversions, revenue, revenueSquares };
}

describe('compareArms', () => {
  it('clear winner with big sample', () => {
    // pt = 1200/10000 = 0.12, pc = 1000/10000 = 0.10, d = 0.02
    // se = sqrt(0.12*0.88/10000 + 0.1*0.9/10000) = 0.0044226689
    // interval = 0.02 ± 1.959964*0.0044226689 = [0.0113317283, 0.0286682717]
    // δ = max(0.02, 0.1*0.1) = 0.02, p1 = 0.1, p2 = 0.12, p̄ = 0.11, n = 3840.85 -> 3841
    const result = compareArms(arm(10000, 1200), arm(10000, 1000), options);

    expect(result.treatmentRate).toBeCloseTo(0.12, 12);
    expect(result.controlRate).toBeCloseTo(0.1, 12);
    expect(result.absoluteUplift).toBeCloseTo(0.02, 12);
    expect(result.absoluteInterval[0]).toBeCloseTo(0.0113317283, 9);
    expect(result.absoluteInterval[1]).toBeCloseTo(0.0286682717, 9);
    expect(result.relativeUplift).toBeCloseTo(0.2, 12);
    expect(result.probabilityBetter).toBeCloseTo(0.9999969394, 9);
    expect(result.visitorsNeededPerGroup).toBe(3841);
    expect(result.moreVisitorsNeeded).toBe(0);
    expect(result.moreVisitorsNeededTotal).toBe(0);
    expect(result.verdict).toBe('better');
    expect(result.summary).toBe('Better than showing nothing: +2.0 points (95% interval +1.1 to +2.9).');
  });

  it('clear loser with big sample', () => {
    // pt = 0.10, pc = 0.12, d = -0.02, se = 0.0044226689 as above
    // interval = [-0.0286682717, -0.0113317283], Φ(-0.02/0.0044226689) = 0.0000030606
    // δ = max(0.02, 0.1*0.12 = 0.012) = 0.02, p1 = 0.12, p2 = 0.10, n = 3840.85 -> 3841
    const result = compareArms(arm(10000, 1000), arm(10000, 1200), options);

    expect(result.absoluteUplift).toBeCloseTo(-0.02, 12);
    expect(result.absoluteInterval[0]).toBeCloseTo(-0.0286682717, 9);
    expect(result.absoluteInterval[1]).toBeCloseTo(-0.0113317283, 9);
    expect(result.relativeUplift).toBeCloseTo(-1 / 6, 12);
    expect(result.probabilityBetter).toBeCloseTo(0.0000030606, 9);
    expect(result.visitorsNeededPerGroup).toBe(3841);
    expect(result.verdict).toBe('worse');
    expect(result.summary).toBe('Worse than showing nothing: -2.0 points (95% interval -2.9 to -1.1).');
  });

  it('no difference with big sample', () => {
    // pt = 2020/20000 = 0.101, pc = 2000/20000 = 0.1, d = 0.001
    // se = sqrt(0.101*0.899/20000 + 0.1*0.9/20000) = 0.0030066510
    // interval = 0.001 ± 1.959964*0.0030066510 = [-0.0048929276, 0.0068929276]
    // δ = max(0.001, 0.1*0.1) = 0.01 from the floor, p2 = 0.1 + 0.01 = 0.11, n = 14750.79 -> 14751
    const result = compareArms(arm(20000, 2020), arm(20000, 2000), options);

    expect(result.absoluteInterval[0]).toBeCloseTo(-0.0048929276, 9);
    expect(result.absoluteInterval[1]).toBeCloseTo(0.0068929276, 9);
    expect(result.probabilityBetter).toBeCloseTo(0.630280358, 8);
    expect(result.visitorsNeededPerGroup).toBe(14751);
    expect(result.moreVisitorsNeeded).toBe(0);
    expect(result.verdict).toBe('no_difference');
    expect(result.summary).toBe('No clear difference from showing nothing: +0.1 points (95% interval -0.5 to +0.7).');
  });

  it('small sample needs more visitors', () => {
    // pt = 24/200 = 0.12, pc = 20/200 = 0.1, so n = 3841 as in the clear winner
    // more = 3841 - 200 = 3641 per group, 3641 + 3641 = 7282 in total
    // se = sqrt(0.12*0.88/200 + 0.1*0.9/200) = 0.0312729915
    // interval = 0.02 ± 1.959964*0.0312729915 = [-0.0412939371, 0.0812939371]
    const result = compareArms(arm(200, 24), arm(200, 20), options);

    expect(result.absoluteInterval[0]).toBeCloseTo(-0.0412939371, 9);
    expect(result.absoluteInterval[1]).toBeCloseTo(0.0812939371, 9);
    expect(result.probabilityBetter).toBeCloseTo(0.7387607288, 9);
    expect(result.sampleSizeKnown).toBe(true);
    expect(result.visitorsNeededPerGroup).toBe(3841);
    expect(result.moreVisitorsNeeded).toBe(3641);
    expect(result.moreVisitorsNeededTotal).toBe(7282);
    expect(result.verdict).toBe('not_enough_data');
    expect(result.summary).toBe('Not enough data yet: about 3,641 more visitors per group.');
  });

  it('uneven groups count smaller group', () => {
    // pt = 18/150 = 0.12, pc = 20/200 = 0.1, so n = 3841
    // more = 3841 - min(150, 200) = 3691 per group, (3841 - 150) + (3841 - 200) = 7332 in total
    const result = compareArms(arm(150, 18), arm(200, 20), options);

    expect(result.moreVisitorsNeeded).toBe(3691);
    expect(result.moreVisitorsNeededTotal).toBe(7332);
    expect(result.summary).toBe('Not enough data yet: about 3,691 more visitors per group.');
  });

  it('minimum visitors outweighs sample size', () => {
    // n = 3841 as in the clear winner, below the minimum of 5000, so 5000 - 4000 = 1000 more
    const result = compareArms(arm(4000, 480), arm(4000, 400), { ...options, minVisitorsPerGroup: 5000 });

    expect(result.visitorsNeededPerGroup).toBe(5000);
    expect(result.moreVisitorsNeeded).toBe(1000);
    expect(result.verdict).toBe('not_enough_data');
  });

  it('zero conversions below minimum', () => {
    // No conversions, so the sample size is unknown and only the minimum of 1000 applies:
    // 1000 - 500 = 500 more per group. Both rates are 0, so se = 0 and the interval is [0, 0].
    const result = compareArms(arm(500, 0), arm(500, 0), options);

    expect(result.treatmentRate).toBe(0);
    expect(result.absoluteInterval).toEqual([0, 0]);
    expect(result.relativeUplift).toBeNull();
    expect(result.relativeInterval).toBeNull();
    expect(result.probabilityBetter).toBe(0.5);
    expect(result.sampleSizeKnown).toBe(false);
    expect(result.visitorsNeededPerGroup).toBe(1000);
    expect(result.moreVisitorsNeeded).toBe(500);
    expect(result.verdict).toBe('not_enough_data');
    expect(result.summary).toBe(
      'Not enough data yet: at least 500 more visitors per group. No visitor has bought anything yet, so the full number needed is unknown.',
    );
  });

  it('zero conversions past minimum', () => {
    // 2000 visitors each reach the minimum of 1000, and the interval [0, 0] contains 0.
    const result = compareArms(arm(2000, 0), arm(2000, 0), options);

    expect(result.moreVisitorsNeeded).toBe(0);
    expect(result.verdict).toBe('no_difference');
    expect(result.summary).toBe('No clear difference from showing nothing: no visitor in either group has bought anything yet.');
  });

  it('zero control rate uses observed difference', () => {
    // pt = 30/1000 = 0.03, pc = 0, d = 0.03, se = sqrt(0.03*0.97/1000) = 0.0053944416
    // interval = 0.03 ± 1.959964*0.0053944416 = [0.0194270888, 0.0405729112]
    // pooled rate = 30/2000 = 0.015, floor = 0.1*0.015 = 0.0015, δ = max(0.03, 0.0015) = 0.03
    // p1 = 0, p2 = 0.03, p̄ = 0.015, n = 256.52 -> 257
    const result = compareArms(arm(1000, 30), arm(1000, 0), { ...options, minVisitorsPerGroup: 100 });

    expect(result.absoluteInterval[0]).toBeCloseTo(0.0194270888, 9);
    expect(result.absoluteInterval[1]).toBeCloseTo(0.0405729112, 9);
    expect(result.relativeUplift).toBeNull();
    expect(result.relativeInterval).toBeNull();
    expect(result.probabilityBetter).toBeCloseTo(0.9999999866, 9);
    expect(result.visitorsNeededPerGroup).toBe(257);
    expect(result.verdict).toBe('better');
  });

  it('zero control rate uses pooled floor', () => {
    // pooled rate = 30/2000 = 0.015, floor = 3*0.015 = 0.045 > |0.03 - 0|, so δ = 0.045
    // p1 = 0, p2 = 0.045, p̄ = 0.0225, n = 169.31 -> 170
    const result = compareArms(arm(1000, 30), arm(1000, 0), { minVisitorsPerGroup: 100, minimumDetectableEffect: 3 });

    expect(result.visitorsNeededPerGroup).toBe(170);
  });

  it('empty arms carry no information', () => {
    // No visitors: rates are 0 by convention, the interval is every possible difference, and
    // the sample size is unknown, so 1000 more visitors per group are needed.
    const result = compareArms(arm(0, 0), arm(0, 0), options);

    expect(result.treatmentRate).toBe(0);
    expect(result.controlRate).toBe(0);
    expect(result.absoluteUplift).toBe(0);
    expect(result.absoluteInterval).toEqual([-1, 1]);
    expect(result.relativeUplift).toBeNull();
    expect(result.relativeInterval).toBeNull();
    expect(result.probabilityBetter).toBe(0.5);
    expect(result.revenuePerVisitor).toEqual({ treatment: 0, control: 0, difference: 0, interval: [0, 0] });
    expect(result.visitorsNeededPerGroup).toBe(1000);
    expect(result.moreVisitorsNeeded).toBe(1000);
    expect(result.moreVisitorsNeededTotal).toBe(2000);
    expect(result.verdict).toBe('not_enough_data');
  });

  it('one empty arm', () => {
    // pc = 100/1000 = 0.1 and pt = 0: the interval stays [-1, 1] because the treatment is unseen.
    // pooled rate = 100/1000 = 0.1, δ = max(0.1, 0.1*0.1) = 0.1 observed, p2 = 0, p̄ = 0.05,
    // n = (1.959964*sqrt(2*0.05*0.95) + 0.841621*sqrt(0.09))² / 0.01 = 73.37 -> 74 < 1000
    const result = compareArms(arm(0, 0), arm(1000, 100), options);

    expect(result.absoluteUplift).toBeCloseTo(-0.1, 12);
    expect(result.absoluteInterval).toEqual([-1, 1]);
    expect(result.probabilityBetter).toBe(0.5);
    expect(result.relativeInterval).toBeNull();
    expect(result.visitorsNeededPerGroup).toBe(1000);
    expect(result.moreVisitorsNeeded).toBe(1000);
    expect(result.moreVisitorsNeededTotal).toBe(1000);
    expect(result.verdict).toBe('not_enough_data');
  });

  it('full conversion in both arms', () => {
    // pt = pc = 50/50 = 1, so se = 0, the interval is [0, 0] and Katz gives
    // sqrt(1/50 - 1/50 + 1/50 - 1/50) = 0, so [0, 0] too.
    // δ = max(0, 0.1*1) = 0.1, 1 + 0.1 > 1, so p2 = 0.9, p̄ = 0.95, n = 73.37 -> 74
    const result = compareArms(arm(50, 50), arm(50, 50), { minVisitorsPerGroup: 10, minimumDetectableEffect: 0.1 });

    expect(result.absoluteInterval).toEqual([0, 0]);
    expect(result.relativeInterval).toEqual([0, 0]);
    expect(result.probabilityBetter).toBe(0.5);
    expect(result.visitorsNeededPerGroup).toBe(74);
    expect(result.moreVisitorsNeeded).toBe(24);
    expect(result.verdict).toBe('not_enough_data');
  });

  it('single visitor in each arm', () => {
    // pt = 1/1 = 1, pc = 0/1 = 0: both variances are 0, so se = 0 and the interval is [1, 1].
    // δ = 1 observed, p1 = 0, p2 = 1, p̄ = 0.5, n = (1.959964*sqrt(0.5))² / 1 = 1.92 -> 2
    // Revenue: one visitor each has no variance of its own, so both borrow the variance of the
    // two visitors together: (1500² - 1500²/2) / 1 = 1125000, se = sqrt(1125000/1 * 2) = 1500,
    // interval = 1500 ± 1.959964*1500 = [-1439.9459768, 4439.9459768]
    const result = compareArms(arm(1, 1, 1500, 1500 ** 2), arm(1, 0), { minVisitorsPerGroup: 1, minimumDetectableEffect: 0.1 });

    expect(result.absoluteInterval).toEqual([1, 1]);
    expect(result.probabilityBetter).toBe(1);
    expect(result.visitorsNeededPerGroup).toBe(2);
    expect(result.moreVisitorsNeeded).toBe(1);
    expect(result.verdict).toBe('not_enough_data');
    expect(result.revenuePerVisitor.difference).toBe(1500);
    expect(result.revenuePerVisitor.interval[0]).toBeCloseTo(-1439.9459768, 6);
    expect(result.revenuePerVisitor.interval[1]).toBeCloseTo(4439.9459768, 6);
  });

  it('revenue per visitor interval', () => {
    // mean t = 250000/1000 = 250, mean c = 160000/800 = 200, difference = 50
    // var t = (2.5e8 - 250000²/1000) / 999 = 187687.6876877
    // var c = (1.2e8 - 160000²/800) / 799 = 110137.6720901
    // se = sqrt(187687.6876877/1000 + 110137.6720901/800) = 18.0377320581
    // interval = 50 ± 1.959964*18.0377320581 = [14.6466948033, 85.3533051967]
    const result = compareArms(arm(1000, 120, 250000, 2.5e8), arm(800, 80, 160000, 1.2e8), options);

    expect(result.revenuePerVisitor.treatment).toBe(250);
    expect(result.revenuePerVisitor.control).toBe(200);
    expect(result.revenuePerVisitor.difference).toBe(50);
    expect(result.revenuePerVisitor.interval[0]).toBeCloseTo(14.6466948033, 8);
    expect(result.revenuePerVisitor.interval[1]).toBeCloseTo(85.3533051967, 8);
  });

  it('revenue variance clamped at zero', () => {
    // Squares below (Σx)²/n are impossible (here 100 < 1000²/10), so the variance is clamped at 0.
    const result = compareArms(arm(10, 1, 1000, 100), arm(10, 1, 1000, 100), options);

    expect(result.revenuePerVisitor.interval).toEqual([0, 0]);
  });

  it('probabilityBetter for moderate difference', () => {
    // pt = 120/1000 = 0.12, pc = 100/1000 = 0.1
    // se = sqrt(0.12*0.88/1000 + 0.1*0.9/1000) = 0.0139857070
    // Φ(0.02/0.0139857070) = Φ(1.430032) = 0.9236459949
    const result = compareArms(arm(1000, 120), arm(1000, 100), options);

    expect(result.probabilityBetter).toBeCloseTo(0.9236459949, 9);
  });

  it('probabilityBetter without variance', () => {
    // One group converted every visitor and the other none, so se = 0 and d = +1 or -1.
    expect(compareArms(arm(10, 10), arm(10, 0), options).probabilityBetter).toBe(1);
    expect(compareArms(arm(10, 0), arm(10, 10), options).probabilityBetter).toBe(0);
  });

  it('relative interval by Katz', () => {
    // RR = 0.12/0.1 = 1.2, se(ln RR) = sqrt(1/120 - 1/1000 + 1/100 - 1/1000) = 0.1278019301
    // interval = exp(ln 1.2 ± 1.959964*0.1278019301) - 1 = [-0.0658942489, 0.5415813449]
    const result = compareArms(arm(1000, 120), arm(1000, 100), options);

    expect(result.relativeInterval?.[0]).toBeCloseTo(-0.0658942489, 9);
    expect(result.relativeInterval?.[1]).toBeCloseTo(0.5415813449, 9);
  });

  it('relative interval for big sample', () => {
    // se(ln RR) = sqrt(1/1200 - 1/10000 + 1/1000 - 1/10000) = 0.0404145188
    // interval = exp(ln 1.2 ± 1.959964*0.0404145188) - 1 = [0.1086139656, 0.2989192313]
    const result = compareArms(arm(10000, 1200), arm(10000, 1000), options);

    expect(result.relativeInterval?.[0]).toBeCloseTo(0.1086139656, 9);
    expect(result.relativeInterval?.[1]).toBeCloseTo(0.2989192313, 9);
  });

  it('confidence changes interval and summary', () => {
    // z(0.95) = 1.6448536270 for a 90% two-sided interval, se = 0.0044226689 as in the clear winner
    // interval = 0.02 ± 1.644853627*0.0044226689 = [0.0127253571, 0.0272746429]
    const result = compareArms(arm(10000, 1200), arm(10000, 1000), { ...options, confidence: 0.9 });

    expect(result.absoluteInterval[0]).toBeCloseTo(0.0127253571, 9);
    expect(result.absoluteInterval[1]).toBeCloseTo(0.0272746429, 9);
    expect(result.summary).toBe('Better than showing nothing: +2.0 points (90% interval +1.3 to +2.7).');
  });

  it('rejects invalid counts', () => {
    expect(() => compareArms(arm(10, 11), arm(10, 1), options)).toThrow(/treatment.conversions: 11/);
    expect(() => compareArms(arm(10, 1), arm(-1, 0), options)).toThrow(/control.visitors: -1/);
    expect(() => compareArms(arm(10.5, 1), arm(10, 1), options)).toThrow(/treatment.visitors: 10.5/);
    expect(() => compareArms(arm(10, 1, Number.NaN), arm(10, 1), options)).toThrow(/treatment.revenue: NaN/);
    expect(() => compareArms(arm(10, 1, 0, -1), arm(10, 1), options)).toThrow(/treatment.revenueSquares: -1/);
  });

  it('rejects invalid options', () => {
    const valid = [arm(10, 1), arm(10, 1)] as const;
    expect(() => compareArms(...valid, { ...options, minVisitorsPerGroup: 0 })).toThrow(/minVisitorsPerGroup: 0/);
    expect(() => compareArms(...valid, { ...options, minimumDetectableEffect: 0 })).toThrow(/minimumDetectableEffect: 0/);
    expect(() => compareArms(...valid, { ...options, confidence: 1 })).toThrow(/confidence: 1/);
    expect(() => compareArms(...valid, { ...options, power: 0 })).toThrow(/power: 0/);
  });

  it('outputs finite for any counts', () => {
    const visitors = fc.oneof(fc.nat({ max: 3 }), fc.nat({ max: 10_000_000 }));
    const arms = visitors.chain((count) =>
      fc.record({
        visitors: fc.constant(count),
        conversions: fc.nat({ max: count }),
        revenue: fc.maxSafeNat(),
        revenueSquares: fc.maxSafeNat(),
      }),
    );
    const comparisonOptions = fc.record({
      minVisitorsPerGroup: fc.integer({ min: 1, max: 1_000_000 }),
      minimumDetectableEffect: fc.double({ min: 1e-6, max: 10, noNaN: true }),
      confidence: fc.double({ min: 0.01, max: 0.9999, noNaN: true }),
      power: fc.double({ min: 0.01, max: 0.9999, noNaN: true }),
    });

    fc.assert(
      fc.property(arms, arms, comparisonOptions, (treatment, control, settings) => {
        const result = compareArms(treatment, control, settings);
        for (const [name, value] of numericOutputs(result)) {
          expect(Number.isFinite(value), `${name} = ${value}`).toBe(true);
        }
        expect(result.absoluteInterval[0]).toBeLessThanOrEqual(result.absoluteInterval[1]);
        expect(result.revenuePerVisitor.interval[0]).toBeLessThanOrEqual(result.revenuePerVisitor.interval[1]);
        if (result.relativeInterval !== null) {
          expect(result.relativeInterval[0]).toBeLessThanOrEqual(result.relativeInterval[1]);
        }
        expect(result.probabilityBetter).toBeGreaterThanOrEqual(0);
        expect(result.probabilityBetter).toBeLessThanOrEqual(1);
        expect(Number.isSafeInteger(result.visitorsNeededPerGroup)).toBe(true);
        expect(result.visitorsNeededPerGroup).toBeGreaterThanOrEqual(settings.minVisitorsPerGroup);
        expect(result.summary).not.toMatch(/NaN|Infinity|undefined/);
      }),
    );
  });
});

/** Lists every number in a comparison with its path, for the finiteness check. */
function numericOutputs(result: Comparison): [string, number][] {
  const outputs: [string, number][] = [
    ['treatmentRate', result.treatmentRate],
    ['controlRate', result.controlRate],
    ['absoluteUplift', result.absoluteUplift],
    ['absoluteInterval[0]', result.absoluteInterval[0]],
    ['absoluteInterval[1]', result.absoluteInterval[1]],
    ['probabilityBetter', result.probabilityBetter],
    ['revenuePerVisitor.treatment', result.revenuePerVisitor.treatment],
    ['revenuePerVisitor.control', result.revenuePerVisitor.control],
    ['revenuePerVisitor.difference', result.revenuePerVisitor.difference],
    ['revenuePerVisitor.interval[0]', result.revenuePerVisitor.interval[0]],
    ['revenuePerVisitor.interval[1]', result.revenuePerVisitor.interval[1]],
    ['visitorsNeededPerGroup', result.visitorsNeededPerGroup],
    ['moreVisitorsNeeded', result.moreVisitorsNeeded],
    ['moreVisitorsNeededTotal', result.moreVisitorsNeededTotal],
  ];
  if (result.relativeUplift !== null) outputs.push(['relativeUplift', result.relativeUplift]);
  if (result.relativeInterval !== null) {
    outputs.push(['relativeInterval[0]', result.relativeInterval[0]]);
    outputs.push(['relativeInterval[1]', result.relativeInterval[1]]);
  }
  return outputs;
}
