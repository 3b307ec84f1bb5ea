import { sql, type SQL, type SQLWrapper } from 'drizzle-orm';

export const MINUTE_MS = 60_000;
export const DAY_MS = 24 * 60 * MINUTE_MS;

/** True when `name` is an IANA time zone that Intl supports in this Node, such as "Europe/London". */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

const partFormats = new Map<string, Intl.DateTimeFormat>();

function partsFormat(timeZone: string): Intl.DateTimeFormat {
  let format = partFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    partFormats.set(timeZone, format);
  }
  return format;
}

/** Returns the offset of local time from UTC in milliseconds at instant `at`, such as 3,600,000 for BST. */
export function offsetAt(at: number, timeZone: string): number {
  const fields: Record<string, number> = {};
  for (const part of partsFormat(timeZone).formatToParts(at)) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  const local = Date.UTC(fields.year!, fields.month! - 1, fields.day!, fields.hour!, fields.minute!, fields.second!);
  // formatToParts drops the milliseconds, so the instant is rounded down to whole seconds first.
  return local - Math.floor(at / 1000) * 1000;
}

/**
 * Returns the instant of local midnight at the start of a calendar day in the time zone. A day
 * whose midnight falls in a daylight-saving gap starts when the clocks jump, and a midnight that
 * happens twice counts from the first.
 */
export function startOfLocalDay(year: number, month: number, day: number, timeZone: string): number {
  const wall = Date.UTC(year, month - 1, day);
  // A first guess uses the offset at the UTC instant with the same wall time, and the second the
  // offset at that guess. Away from an offset change both give the same instant.
  const first = wall - offsetAt(wall, timeZone);
  const second = wall - offsetAt(first, timeZone);
  const onTheDay = [first, second].filter((instant) => {
    const local = localDate(instant, timeZone);
    return local.year === year && local.month === month && local.day === day;
  });
  return onTheDay.length > 0 ? Math.min(...onTheDay) : first;
}

/** Returns the calendar day, in the time zone, that contains instant `at`. */
export function localDate(at: number, timeZone: string): { year: number; month: number; day: number } {
  const local = new Date(at + offsetAt(at, timeZone));
  return { year: local.getUTCFullYear(), month: local.getUTCMonth() + 1, day: local.getUTCDate() };
}

/** One stretch of time with a fixed UTC offset, starting at `from` (epoch milliseconds). */
export interface OffsetSpan {
  from: number;
  offsetMs: number;
}

/**
 * Lists the UTC offsets of the time zone between `start` and `end`, with the instant each begins.
 * The offset is sampled every 6 hours and each change is then found to the minute, because zones
 * change offset on whole minutes. Two changes less than 6 hours apart would be missed; no zone in
 * the IANA database has such changes.
 */
export function offsetSpans(start: number, end: number, timeZone: string): OffsetSpan[] {
  const spans: OffsetSpan[] = [{ from: start, offsetMs: offsetAt(start, timeZone) }];
  const step = 6 * 60 * MINUTE_MS;
  const firstMinute = Math.ceil(start / MINUTE_MS) * MINUTE_MS;
  for (let probe = firstMinute; probe - step < end; probe += step) {
    const current = spans[spans.length - 1]!;
    const offsetMs = offsetAt(probe, timeZone);
    if (offsetMs === current.offsetMs) continue;
    // The change lies in (low, high], both on whole minutes; halve that until it is one minute.
    let low = Math.max(probe - step, Math.floor(current.from / MINUTE_MS) * MINUTE_MS);
    let high = probe;
    while (high - low > MINUTE_MS) {
      const middle = low + Math.floor((high - low) / MINUTE_MS / 2) * MINUTE_MS;
      if (offsetAt(middle, timeZone) === current.offsetMs) low = middle;
      else high = middle;
    }
    spans.push({ from: high, offsetMs });
  }
  return spans;
}

export type Bucket = 'day' | 'week' | 'month';

const integer = (value: number) => {
  if (!Number.isSafeInteger(value)) throw new RangeError(`expected a safe integer in SQL, received ${value}`);
  return sql.raw(String(value));
};

/**
 * Builds the SQL for the local time of a column of epoch milliseconds: the column plus the UTC
 * offset in force at that instant, as a CASE over the offset changes of the period.
 */
export function localTimeSql(column: SQLWrapper, spans: OffsetSpan[]): SQL {
  if (spans.length === 1) return sql`(${column} + ${integer(spans[0]!.offsetMs)})`;
  const branches = spans.slice(1).map((span, index) => sql`WHEN ${column} < ${integer(span.from)} THEN ${column} + ${integer(spans[index]!.offsetMs)}`);
  const last = spans[spans.length - 1]!;
  return sql`(CASE ${sql.join(branches, sql` `)} ELSE ${column} + ${integer(last.offsetMs)} END)`;
}

/**
 * Builds the SQL that numbers the bucket of a local time: days since 1970-01-01, weeks (starting
 * on Monday) since the week of 1970-01-01, or months since January of year 0. Epoch day 0 was a
 * Thursday, so adding 3 days makes the week number change on Mondays.
 */
export function bucketKeySql(localTime: SQL, bucket: Bucket): SQL {
  if (bucket === 'day') return sql`(${localTime} / ${integer(DAY_MS)})`;
  if (bucket === 'week') return sql`((${localTime} / ${integer(DAY_MS)} + 3) / 7)`;
  return sql`(CAST(strftime('%Y', ${localTime} / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', ${localTime} / 1000, 'unixepoch') AS INTEGER) - 1)`;
}

/** Returns the bucket number of a local calendar day, matching {@link bucketKeySql}. */
export function bucketKeyOfDay(year: number, month: number, day: number, bucket: Bucket): number {
  const epochDay = Date.UTC(year, month - 1, day) / DAY_MS;
  if (bucket === 'day') return epochDay;
  if (bucket === 'week') return Math.floor((epochDay + 3) / 7);
  return year * 12 + month - 1;
}

/** Returns the first local calendar day of a bucket number. */
export function firstDayOfBucket(key: number, bucket: Bucket): { year: number; month: number; day: number } {
  if (bucket === 'month') return { year: Math.floor(key / 12), month: (key % 12) + 1, day: 1 };
  const epochDay = bucket === 'day' ? key : key * 7 - 3;
  const date = new Date(epochDay * DAY_MS);
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
}
