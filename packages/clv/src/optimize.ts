import { nelderMead } from './nelder-mead.js';

/**
 * Minimises `f` over positive parameters with Nelder-Mead, searching in log space so that every
 * step stays positive. The search restarts from its own result until it stops improving, because
 * one Nelder-Mead run often halts early on likelihood surfaces as flat as these.
 */
export function minimizePositive(f: (params: number[]) => number, start: number[]): { params: number[]; value: number; restarts: number } {
  const inLogSpace = (logs: number[]) => {
    const value = f(logs.map(Math.exp));
    return Number.isFinite(value) ? value : Number.MAX_VALUE;
  };
  let best = nelderMead(inLogSpace, start.map(Math.log));
  let restarts = 0;
  for (; restarts < 20; restarts++) {
    const next = nelderMead(inLogSpace, best.x);
    const improved = best.fx - next.fx > 1e-9;
    if (next.fx < best.fx) best = next;
    if (!improved) break;
  }
  return { params: best.x.map(Math.exp), value: best.fx, restarts };
}
