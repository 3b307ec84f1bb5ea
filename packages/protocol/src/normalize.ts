import { z } from 'zod';
import { eventSchema, eventTypes } from './events.js';
import { toIssues, type Issue } from './issues.js';
import { currencyExponent, toMinorUnits, type Amount } from './money.js';

type ParsedEvent = z.output<typeof eventSchema>;

/** An item with its price in integer minor units of the event's currency. */
export interface Item {
  id: string;
  name: string;
  category?: string;
  price: number;
  quantity: number;
}

type WithMinorUnits<E> = E extends { items?: unknown }
  ? Omit<E, 'items' | 'value' | 'tax' | 'shipping'> & {
      items?: Item[];
      value?: number;
      tax?: number;
      shipping?: number;
    }
  : E;

/** A valid event with every amount converted to integer minor units of its `currency`. */
export type Event = WithMinorUnits<ParsedEvent>;

export type ParseResult = { ok: true; event: Event } | { ok: false; issues: Issue[] };

const eventShape = z.object({ type: z.string() }).passthrough();

/** Validates one event and converts its money fields to minor units; the issues name every problem. */
export function parseEvent(input: unknown): ParseResult {
  const typed = eventShape.safeParse(input);
  if (!typed.success) return { ok: false, issues: toIssues(typed.error) };
  if (!eventTypes.includes(typed.data.type as never)) {
    return {
      ok: false,
      issues: [
        {
          path: 'type',
          message: `unknown event type "${typed.data.type}"; use one of ${eventTypes.filter((type) => type !== 'custom').join(', ')}, or "custom" with a name`,
        },
      ],
    };
  }

  const parsed = eventSchema.safeParse(input);
  if (!parsed.success) return { ok: false, issues: toIssues(parsed.error) };
  return convertMoney(parsed.data);
}

function convertMoney(event: ParsedEvent): ParseResult {
  const issues: Issue[] = [];
  const currency = 'currency' in event ? event.currency : undefined;
  const amount = (path: string, value: Amount | undefined): number | undefined => {
    if (value === undefined) return undefined;
    if (currency === undefined) {
      issues.push({ path: 'currency', message: `is required when ${path} is set; add an ISO 4217 code such as "GBP"` });
      return undefined;
    }
    const result = toMinorUnits(value, currency);
    if (!result.ok) {
      // An unknown currency is a problem of `currency`, not of the amount, so it is reported at that path.
      issues.push({ path: currencyExponent(currency) === undefined ? 'currency' : path, message: result.message });
      return undefined;
    }
    if (result.minor < 0) {
      issues.push({ path, message: `amount ${value} is negative; send prices and values of 0 or more` });
      return undefined;
    }
    return result.minor;
  };

  const items = 'items' in event ? event.items : undefined;
  const converted: Record<string, unknown> = { ...event };
  if (items) {
    converted.items = items.map((item, index) => ({ ...item, price: amount(`items.${index}.price`, item.price) }));
  }
  for (const field of ['value', 'tax', 'shipping'] as const) {
    if (field in event) converted[field] = amount(field, (event as unknown as Record<string, Amount | undefined>)[field]);
  }

  // A missing or unknown currency is reported once, not once per amount that needs it.
  const unique = issues.filter((issue, index) => issues.findIndex((other) => other.path === issue.path) === index);
  if (unique.length > 0) return { ok: false, issues: unique };
  for (const key of Object.keys(converted)) if (converted[key] === undefined) delete converted[key];
  return { ok: true, event: converted as Event };
}
