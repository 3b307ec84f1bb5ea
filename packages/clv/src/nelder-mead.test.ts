import { describe, expect, it } from 'vitest';
import { nelderMead } from './nelder-mead.js';

describe('nelderMead', () => {
  it('finds the minimum of the Rosenbrock function', () => {
    const rosenbrock = ([x, y]: number[]) => (1 - x!) ** 2 + 100 * (y! - x! ** 2) ** 2;
    const { x } = nelderMead(rosenbrock, [-1.2, 1], { maxIterations: 10_000, tolerance: 1e-14 });

    expect(x[0]).toBeCloseTo(1, 3);
    expect(x[1]).toBeCloseTo(1, 3);
  });

  it('stops at the iteration limit', () => {
    const { iterations } = nelderMead(([x]) => x! ** 2, [10], { maxIterations: 3 });

    expect(iterations).toBe(3);
  });
});
