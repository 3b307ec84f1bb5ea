import { type Bucket, DAY_MS, bucketKeyOfDay, localDate, startOfLocalDay } from './time.js';

export const periodNames = ['7d', '30d', '90d', '12m', 'all'] as const;
export type PeriodName = (typeof periodNames)[number] | 'custom';

export const periodLabels: Record<PeriodName, string> = {
  '7d': 'Last 7 days',
  '30d': 'Last 30 days',
  '90d': 'Last 90 days',
  '12m': 'Last 12 months',
  all: 'All time',
  custom: 'Custom',
};

export interface CalendarDay {
  year: number;
  month: number;
  day: number;
}

/** A span of whole local days, the bucket that divides it, and notes about how it was chosen. */
export interface Period {
  name: PeriodName;
  /** First local day, included. */
  from: CalendarDay;
  /** Last local day, included. */
  to: CalendarDay;
  /** Local midnight at the start of `from`, epoch milliseconds. */
  start: number;
  /** Local midnight after `to`, epoch milliseconds, excluded. */
  end: number;
  bucket: Bucket;
  /** Bucket numbers from the first to the last, one per bar. */
  keys: number[];
  notices: string[];
}

export interface PeriodQuery {
  period?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  bucket?: string | undefined;
}

/** Bars per chart above which a finer bucket is replaced by a coarser one. */
export const MAX_BUCKETS = 400;

/** Returns the calendar day `days` after `day` (before it when negative). */
export const addDays = (day: CalendarDay, days: number): CalendarDay => {
  const date = new Date(Date.UTC(day.year, day.month - 1, day.day) + days * DAY_MS);
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
};

/** Whole days from `from` to `to`: 0 for the same day. */
export const daysBetween = (from: CalendarDay, to: CalendarDay) => (Date.UTC(to.year, to.month - 1, to.day) - Date.UTC(from.year, from.month - 1, from.day)) / DAY_MS;

/** Parses "YYYY-MM-DD" as a calendar day, or returns undefined for anything else, such as "2026-02-30". */
export function parseDay(text: string | undefined): CalendarDay | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text ?? '');
  if (!match) return undefined;
  const day = { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) };
  const date = new Date(Date.UTC(day.year, day.month - 1, day.day));
  return date.getUTCMonth() === day.month - 1 && date.getUTCDate() === day.day ? day : undefined;
}

export const formatDay = (day: CalendarDay) => `${String(day.year).padStart(4, '0')}-${String(day.month).padStart(2, '0')}-${String(day.day).padStart(2, '0')}`;

/**
 * Resolves the overview's period from its query: a named period ending today, or `from` and `to`
 * days, in the time zone. The bucket is the one requested, or by default days up to 62 days, weeks
 * up to a year and months beyond. `firstActivity` is read only for "all".
 */
export function resolvePeriod(query: PeriodQuery, timeZone: string, now: number, firstActivity: () => number | null): Period {
  const notices: string[] = [];
  const today = localDate(now, timeZone);
  let name: PeriodName = periodNames.includes(query.period as never) ? (query.period as PeriodName) : '30d';
  if (query.period && query.period !== 'custom' && !periodNames.includes(query.period as never)) {
    notices.push(`Unknown period "${query.period}", so the last 30 days are shown. Choose one of the periods above.`);
  }
  let from: CalendarDay;
  let to = today;
  const customFrom = parseDay(query.from);
  const customTo = parseDay(query.to);
  if (query.period === 'custom' || (query.period === undefined && (query.from || query.to))) {
    if (customFrom && customTo && daysBetween(customFrom, customTo) >= 0) {
      name = 'custom';
      from = customFrom;
      to = customTo;
    } else {
      notices.push('The custom period needs a "from" day on or before its "to" day, both as YYYY-MM-DD, so the last 30 days are shown.');
      name = '30d';
    }
  }
  if (name === '7d') from = addDays(today, -6);
  else if (name === '30d') from = addDays(today, -29);
  else if (name === '90d') from = addDays(today, -89);
  else if (name === '12m') from = { year: today.month === 12 ? today.year : today.year - 1, month: (today.month % 12) + 1, day: 1 };
  else if (name === 'all') {
    const first = firstActivity();
    from = first === null ? today : localDate(Math.min(first, now), timeZone);
  }
  from ??= addDays(today, -29);
  // Monthly bars are the coarsest, so a longer period would draw more than MAX_BUCKETS of them.
  if (bucketKeyOfDay(to.year, to.month, to.day, 'month') - bucketKeyOfDay(from.year, from.month, from.day, 'month') + 1 > MAX_BUCKETS) {
    const earliest = { year: to.year - Math.floor(MAX_BUCKETS / 12) + 1, month: 1, day: 1 };
    notices.push(`The period is longer than ${MAX_BUCKETS} months, so it is shown from ${formatDay(earliest)}.`);
    from = earliest;
  }

  const days = daysBetween(from, to) + 1;
  let bucket: Bucket = 'month';
  if (days <= 366) bucket = 'week';
  if (days <= 62) bucket = 'day';
  if (query.bucket === 'day' || query.bucket === 'week' || query.bucket === 'month') bucket = query.bucket;
  const count = (candidate: Bucket) => bucketKeyOfDay(to.year, to.month, to.day, candidate) - bucketKeyOfDay(from.year, from.month, from.day, candidate) + 1;
  while (bucket !== 'month' && count(bucket) > MAX_BUCKETS) {
    const coarser: Bucket = bucket === 'day' ? 'week' : 'month';
    notices.push(`${count(bucket).toLocaleString('en-GB')} ${bucket}s would not fit in a chart, so the period is shown by ${coarser}.`);
    bucket = coarser;
  }

  const first = bucketKeyOfDay(from.year, from.month, from.day, bucket);
  const keys = Array.from({ length: count(bucket) }, (_, index) => first + index);
  const next = addDays(to, 1);
  return {
    name,
    from,
    to,
    start: startOfLocalDay(from.year, from.month, from.day, timeZone),
    end: startOfLocalDay(next.year, next.month, next.day, timeZone),
    bucket,
    keys,
    notices,
  };
}
