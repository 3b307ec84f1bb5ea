import type { Formatter } from './format.js';
import { type CalendarDay, type Period, addDays, daysBetween } from './period.js';
import { startOfLocalDay } from './time.js';

/** The days just before a period, as many as the period has, in the same time zone. */
export interface PreviousPeriod {
  from: CalendarDay;
  to: CalendarDay;
  /** Local midnight at the start of `from`, epoch milliseconds. */
  start: number;
  /** The period's own start, excluded. */
  end: number;
  days: number;
  /** Name of the previous period in the figures, such as "the previous 30 days". */
  label: string;
}

/**
 * Returns the period of the same number of local days that ends the day before `period` begins,
 * such as 2 to 31 October for November. Its days start at local midnight in the time zone, so a
 * day of a daylight-saving change lasts 23 or 25 hours, as in the period itself. "All time" has
 * no earlier period, so it returns undefined.
 */
export function previousPeriod(period: Pick<Period, 'name' | 'from' | 'to' | 'start'>, timeZone: string): PreviousPeriod | undefined {
  if (period.name === 'all') return undefined;
  const days = daysBetween(period.from, period.to) + 1;
  const from = addDays(period.from, -days);
  return {
    from,
    to: addDays(period.from, -1),
    start: startOfLocalDay(from.year, from.month, from.day, timeZone),
    end: period.start,
    days,
    label: days === 1 ? 'the previous day' : `the previous ${days} days`,
  };
}

/**
 * Says how a figure compares with the same figure over the previous period: "+12% on the
 * previous 30 days", "the same as the previous 30 days", or, when there is nothing to divide by,
 * "no orders in the previous 30 days". Revenue can be below zero after refunds; a previous
 * figure below zero is stated as it is, such as "-£12.00 in the previous 30 days".
 */
export function describeChange(current: number, previous: number, options: { label: string; noun: string; format: Formatter; formatValue: (value: number) => string }): string {
  const { label, noun, format, formatValue } = options;
  if (previous > 0) {
    const change = (current - previous) / previous;
    // The percentage is shown to one decimal, so a smaller change would read "+0%".
    if (Math.round(change * 1000) === 0) return `the same as ${label}`;
    return `${format.change(change)} on ${label}`;
  }
  if (previous === 0) return current === 0 ? `no ${noun} in ${label} either` : `no ${noun} in ${label}`;
  return `${formatValue(previous)} in ${label}`;
}
