import { z } from 'zod';
import { factCatalog, factNames, type FactName, type Facts, type FactType } from './facts-catalog.js';
import { MAX_DEPTH, nestingDepth } from '../http/body.js';

export { factNames, type FactName, type Facts } from './facts-catalog.js';

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

const operators = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'in', 'notIn', 'contains', 'containsAny', 'startsWith', 'before', 'after', 'exists'] as const;
type Operator = (typeof operators)[number];

/** The fact types each operator applies to. */
const operatorTypes: Record<Operator, FactType[]> = {
  eq: ['number', 'boolean', 'string'],
  neq: ['number', 'boolean', 'string'],
  gt: ['number'],
  gte: ['number'],
  lt: ['number'],
  lte: ['number'],
  in: ['number', 'boolean', 'string'],
  notIn: ['number', 'boolean', 'string'],
  contains: ['list', 'string'],
  containsAny: ['list'],
  startsWith: ['string'],
  before: ['date'],
  after: ['date'],
  exists: ['number', 'boolean', 'string', 'date', 'list'],
};

/** ISO 8601 date or date-time, such as "2026-12-24" or "2026-12-24T18:00:00Z". */
const isoDate = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** True when the date part names a day that exists: "2026-02-30" parses in JavaScript, as 2 March. */
function isRealDate(value: string): boolean {
  const time = Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value);
  return !Number.isNaN(time) && new Date(Date.parse(`${value.slice(0, 10)}T00:00:00Z`)).toISOString().slice(0, 10) === value.slice(0, 10);
}

/** Returns why a number comparison can never match a fact whose values lie in `range`, or undefined. */
function rangeProblem(fact: string, op: string, value: unknown, [min, max]: readonly [number, number]): string | undefined {
  const numbers = (Array.isArray(value) ? value : [value]).filter((entry): entry is number => typeof entry === 'number');
  const never =
    (op === 'gt' && numbers[0]! >= max) ||
    (op === 'gte' && numbers[0]! > max) ||
    (op === 'lt' && numbers[0]! <= min) ||
    (op === 'lte' && numbers[0]! < min) ||
    ((op === 'eq' || op === 'in') && numbers.length > 0 && numbers.every((entry) => entry < min || entry > max));
  return never ? `can never match, because ${fact} is from ${min} to ${max}` : undefined;
}

/** Returns what is wrong with a comparison's value for its fact and operator, or undefined. */
function valueProblem(fact: FactName, op: Operator, value: unknown): string | undefined {
  const definition: { type: FactType; nullable: boolean; values?: readonly string[]; range?: readonly [number, number] } = factCatalog[fact];
  const { type, nullable, values, range } = definition;
  const outside = range && rangeProblem(fact, op, value, range);
  if (outside) return outside;
  if (values && ['eq', 'neq', 'in', 'notIn'].includes(op)) {
    const unknown = (Array.isArray(value) ? value : [value]).find((entry) => typeof entry === 'string' && !values.includes(entry));
    if (unknown !== undefined) return `${JSON.stringify(unknown)} is not a value of ${fact}; use one of ${values.map((entry) => JSON.stringify(entry)).join(', ')}`;
  }
  if (!operatorTypes[op].includes(type)) {
    const suited = operators.filter((candidate) => operatorTypes[candidate].includes(type));
    return `"${op}" does not apply to ${fact}, which is a ${type}; use one of ${suited.join(', ')}`;
  }
  const fits = (candidate: unknown) => typeof candidate === type || (candidate === null && nullable);
  switch (op) {
    case 'eq':
    case 'neq':
      return fits(value) ? undefined : `must be a ${type}${nullable ? ' or null' : ''}, because ${fact} is a ${type}; received ${JSON.stringify(value)}`;
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return typeof value === 'number' ? undefined : `must be a number for "${op}"`;
    case 'in':
    case 'notIn':
      return Array.isArray(value) && value.every(fits)
        ? undefined
        : `must be an array of ${type}s for "${op}", such as ${type === 'string' ? '["banner"]' : type === 'number' ? '[1, 2]' : '[true]'}`;
    case 'contains':
    case 'startsWith':
      return typeof value === 'string' ? undefined : `must be a string for "${op}"`;
    case 'containsAny':
      return Array.isArray(value) && value.length > 0 && value.every((entry) => typeof entry === 'string')
        ? undefined
        : `must be a non-empty array of strings for "containsAny", such as ["mugs", "teapots"]`;
    case 'before':
    case 'after':
      return typeof value === 'string' && isoDate.test(value) && isRealDate(value)
        ? undefined
        : `must be an ISO 8601 date such as "2026-12-24" or "2026-12-24T18:00:00Z" for "${op}"`;
    case 'exists':
      return typeof value === 'boolean' ? undefined : 'must be true (the fact has a value) or false (it has none)';
  }
}

const comparisonSchema = z
  .object({
    fact: z.enum(factNames),
    op: z.enum(operators),
    value: z.union([scalar, z.array(scalar)]),
  })
  .strict()
  .superRefine((comparison, ctx) => {
    // A value that cannot match would make the offer never show, so it is a configuration error.
    const problem = valueProblem(comparison.fact, comparison.op, comparison.value);
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
  if (nestingDepth(input) > MAX_DEPTH) {
    ctx.addIssue({ code: 'custom', message: `nests conditions more than ${MAX_DEPTH} levels deep; flatten it with "all" or "any"` });
    return z.NEVER;
  }
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

const symbols: Record<Operator, string> = {
  eq: '=',
  neq: '!=',
  gt: '>',
  gte: '>=',
  lt: '<',
  lte: '<=',
  in: 'in',
  notIn: 'not in',
  contains: 'contains',
  containsAny: 'contains any of',
  startsWith: 'starts with',
  before: 'before',
  after: 'after',
  exists: 'exists =',
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
  const shown = factCatalog[condition.fact].type === 'date' && typeof actual === 'number' ? new Date(actual).toISOString() : actual;
  explain(`${condition.fact} is ${JSON.stringify(shown)}, needs ${symbols[condition.op]} ${JSON.stringify(condition.value)}`);
  return matched;
}

type FactValue = Facts[FactName];

function compare(actual: FactValue, op: Operator, expected: Comparison['value']): boolean {
  switch (op) {
    case 'eq':
      return actual === expected;
    case 'neq':
      return actual !== expected;
    case 'in':
      return Array.isArray(expected) && expected.includes(actual as string);
    case 'notIn':
      return Array.isArray(expected) && !expected.includes(actual as string);
    case 'exists':
      return (actual !== null && !(Array.isArray(actual) && actual.length === 0)) === expected;
    case 'contains':
      return (Array.isArray(actual) || typeof actual === 'string') && actual.includes(expected as string);
    case 'containsAny':
      return Array.isArray(actual) && Array.isArray(expected) && expected.some((entry) => actual.includes(entry as string));
    case 'startsWith':
      return typeof actual === 'string' && actual.startsWith(expected as string);
    case 'before':
      return typeof actual === 'number' && actual < Date.parse(expected as string);
    case 'after':
      return typeof actual === 'number' && actual > Date.parse(expected as string);
  }
  if (typeof actual !== 'number' || typeof expected !== 'number') return false;
  if (op === 'gt') return actual > expected;
  if (op === 'gte') return actual >= expected;
  if (op === 'lt') return actual < expected;
  return actual <= expected;
}
