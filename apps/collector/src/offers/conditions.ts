import { z } from 'zod';

/** What a condition can test about a visitor, computed at decision time. */
export interface Facts {
  /** Units in the cart added since the last purchase and not removed. */
  'cart.quantity': number;
  /** Value of those units, in major units of the site's currency (19.99 for £19.99). */
  'cart.value': number;
  'orders.count': number;
  /** Orders placed in sessions before the current one. */
  'orders.beforeThisSession': number;
  'visitor.sessions': number;
  /** True when the visitor had a session before the current one. */
  'visitor.returning': boolean;
  placement: string | null;
}

export type FactName = keyof Facts;

export const factNames = [
  'cart.quantity',
  'cart.value',
  'orders.count',
  'orders.beforeThisSession',
  'visitor.sessions',
  'visitor.returning',
  'placement',
] as const satisfies readonly FactName[];

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

const comparisonSchema = z.object({
  fact: z.enum(factNames),
  op: z.enum(['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'in']),
  value: z.union([scalar, z.array(scalar)]),
});

export type Comparison = z.infer<typeof comparisonSchema>;
export type Condition = Comparison | { all: Condition[] } | { any: Condition[] } | { not: Condition };

/** A condition tree: comparisons of facts, combined with `all`, `any` and `not`. */
export const conditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    comparisonSchema.strict(),
    z.object({ all: z.array(conditionSchema).min(1) }).strict(),
    z.object({ any: z.array(conditionSchema).min(1) }).strict(),
    z.object({ not: conditionSchema }).strict(),
  ]),
);

const symbols: Record<Comparison['op'], string> = {
  eq: '=',
  neq: '!=',
  gt: '>',
  gte: '>=',
  lt: '<',
  lte: '<=',
  in: 'in',
};

/**
 * Evaluates a condition against the facts. `explain` receives one line per comparison, such as
 * "cart.quantity is 2, needs > 0", so that a decision can say why it matched or not.
 */
export function evaluate(condition: Condition, facts: Facts, explain: (line: string) => void): boolean {
  if ('all' in condition) return condition.all.every((child) => evaluate(child, facts, explain));
  if ('any' in condition) return condition.any.some((child) => evaluate(child, facts, explain));
  if ('not' in condition) return !evaluate(condition.not, facts, () => {});

  const actual = facts[condition.fact];
  const matched = compare(actual, condition.op, condition.value);
  explain(`${condition.fact} is ${JSON.stringify(actual)}, needs ${symbols[condition.op]} ${JSON.stringify(condition.value)}`);
  return matched;
}

function compare(actual: Facts[FactName], op: Comparison['op'], expected: Comparison['value']): boolean {
  if (op === 'in') return Array.isArray(expected) && expected.includes(actual);
  if (op === 'eq') return actual === expected;
  if (op === 'neq') return actual !== expected;
  if (typeof actual !== 'number' || typeof expected !== 'number') return false;
  if (op === 'gt') return actual > expected;
  if (op === 'gte') return actual >= expected;
  if (op === 'lt') return actual < expected;
  return actual <= expected;
}
