export interface Minimum {
  x: number[];
  fx: number;
  iterations: number;
}

/**
 * Minimises `f` from `start` with the Nelder-Mead simplex method, using the standard
 * coefficients (reflection 1, expansion 2, contraction 0.5, shrink 0.5). Stops when the simplex's
 * values differ by less than `tolerance` or after `maxIterations`.
 */
export function nelderMead(f: (x: number[]) => number, start: number[], { maxIterations = 5000, tolerance = 1e-10, step = 0.1 } = {}): Minimum {
  const n = start.length;
  const simplex = [start, ...start.map((_, i) => start.map((value, j) => (i === j ? value + step : value)))].map((x) => ({ x, fx: f(x) }));
  const move = (from: number[], toward: number[], by: number) => from.map((value, i) => value + by * (toward[i]! - value));

  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    simplex.sort((p, q) => p.fx - q.fx);
    const best = simplex[0]!;
    const worst = simplex[n]!;
    if (Math.abs(worst.fx - best.fx) <= tolerance * (Math.abs(best.fx) + tolerance)) break;

    const centroid = start.map((_, i) => simplex.slice(0, n).reduce((sum, point) => sum + point.x[i]!, 0) / n);
    const reflected = move(centroid, worst.x, -1);
    const fr = f(reflected);
    if (fr < best.fx) {
      const expanded = move(centroid, worst.x, -2);
      const fe = f(expanded);
      simplex[n] = fe < fr ? { x: expanded, fx: fe } : { x: reflected, fx: fr };
    } else if (fr < simplex[n - 1]!.fx) {
      simplex[n] = { x: reflected, fx: fr };
    } else {
      const contracted = fr < worst.fx ? move(centroid, reflected, 0.5) : move(centroid, worst.x, 0.5);
      const fc = f(contracted);
      if (fc < Math.min(fr, worst.fx)) {
        simplex[n] = { x: contracted, fx: fc };
      } else {
        for (let i = 1; i <= n; i++) {
          const x = move(best.x, simplex[i]!.x, 0.5);
          simplex[i] = { x, fx: f(x) };
        }
      }
    }
  }
  simplex.sort((p, q) => p.fx - q.fx);
  return { x: simplex[0]!.x, fx: simplex[0]!.fx, iterations };
}
