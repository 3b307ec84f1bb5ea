import { z } from 'zod';

/** Facts about a visitor that a condition can test, computed at decision time. */
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
  /** RFM segment, such as "champions"; null before scoring or for visitors without orders. */
  'customer.segment': string | null;
  /** Value tier: "platinum", "gold", "silver" or "bronze"; null like the segment. */
  'customer.tier': string | null;
  /** Probability of still being active, 0 to 1; null unless the site's value models are usable. */
  'customer.probabilityAlive': number | null;
  /** Predicted value over the next year in major units of the site's currency; null like the probability. */
  'customer.predictedValue': number | null;
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
  'customer.segment',
  'customer.tier',
  'customer.probabilityAlive',
  'customer.predictedValue',
  'placement',
] as const satisfies readonly FactName[];

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/** The type of each fact's value; `placement` and the `customer.*` facts may also be null. */
const factTypes: Record<FactName, 'number' | 'boolean' | 'string'> = {
  'cart.quantity': 'number',
  'cart.value': 'number',
  'orders.count': 'number',
  'orders.beforeThisSession': 'number',
  'visitor.sessions': 'number',
  'visitor.returning': 'boolean',
  'customer.segment': 'string',
  'customer.tier': 'string',
  'customer.probabilityAlive': 'number',
  'customer.predictedValue': 'number',
  placement: 'string',
};

const comparisonSchema = z
  .object({
    fact: z.enum(factNames),
    op: z.enum(['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'in']),
    value: z.union([scalar, z.array(scalar)]),
  })
  .strict()
  .superRefine((comparison, ctx) => {
    // A value of the wrong type would make the offer never match, so it is a configuration error.
    const type = factTypes[comparison.fact];
    const nullable = comparison.fact === 'placement' || comparison.fact.startsWith('customer.');
    const fits = (value: unknown) => typeof value === type || (value === null && nullable);
    const numeric = ['gt', 'gte', 'lt', 'lte'].includes(comparison.op);
    let problem: string | undefined;
    if (numeric && (type !== 'number' || typeof comparison.value !== 'number')) {
      problem = type === 'number' ? `must be a number for "${comparison.op}"` : `"${comparison.op}" compares numbers, and ${comparison.fact} is a ${type}`;
    } else if (comparison.op === 'in' && (!Array.isArray(comparison.value) || !comparison.value.every(fits))) {
      problem = `must be an array of ${type}s for "in", such as ${type === 'string' ? '["banner"]' : type === 'number' ? '[1, 2]' : '[true]'}`;
    } else if ((comparison.op === 'eq' || comparison.op === 'neq') && !fits(comparison.value)) {
      problem = `must be a ${type}, because ${comparison.fact} is a ${type}; received ${JSON.stringify(comparison.value)}`;
    }
    if (problem) ctx.addIssue({ code: 'custom', path: ['value'], message: problem });
  });

export type Comparison = z.infer<typeof comparisonSchema>;
export type Condition = Comparison | { all: Condition[] } | { any: Condition[] } | { not: Condition };

const groupSchemas = {
  all: z.object({ all: z.array(z.lazy(() => conditionSchema)).min(1) }).strict(),
  any: z.object({ any: z.array(z.lazy(() => conditionSchema)).min(1) }).strict(),
  not: z.object({ not: z.lazy(() => conditionSchema) }).strict(),
};

/**
 * A condition tree: comparisons of facts, combined with `all`, `any` and `not`.
 *
 * The node's key selects its schema before validation, so an error points inside the node (such
 * as "when.all.1.fact"). A plain union of the four shapes reports only "when: Invalid input".
 */
export const conditionSchema: z.ZodType<Condition> = z.unknown().transform((input, ctx) => {
  const result = nodeSchema(input).safeParse(input);
  if (result.success) return result.data as Condition;
  for (const issue of result.error.issues) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  return z.NEVER;
});

function nodeSchema(input: unknown) {
  if (typeof input === 'object' && input !== null) {
    if ('all' in input) return groupSchemas.all;
    if ('any' in input) return groupSchemas.any;
    if ('not' in input) return groupSchemas.not;
  }
  return comparisonSchema;
}

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
 * "cart.quantity is 2, needs > 0", so that a decision can record why it matched or not.
 */
export function evaluate(condition: Condition, facts: Facts, explain: (line: string) => void): boolean {
  if ('all' in condition) return condition.all.every((child) => evaluate(child, facts, explain));
  if ('any' in condition) return condition.any.some((child) => evaluate(child, facts, explain));
  if ('not' in condition) {
    const lines: string[] = [];
    const matched = !evaluate(condition.not, facts, (line) => lines.push(line));
    explain(`not (${lines.join('; ')})`);
    return matched;
  }

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
