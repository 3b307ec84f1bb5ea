import { describe, expect, it } from 'vitest';
import { resolvePeriod } from './period.js';
import { bucketKeyOfDay, firstDayOfBucket, isTimeZone, localDate, offsetAt, offsetSpans, startOfLocalDay } from './time.js';

const HOUR = 60 * 60 * 1000;

describe('time zones', () => {
  it('accepts IANA names only', () => {
    expect(isTimeZone('Europe/London')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
  });

  it('reads offsets in summer and winter', () => {
    expect(offsetAt(Date.parse('2025-07-01T12:00:00Z'), 'Europe/London')).toBe(HOUR);
    expect(offsetAt(Date.parse('2025-01-01T12:00:00Z'), 'Europe/London')).toBe(0);
    expect(offsetAt(Date.parse('2025-01-01T12:00:00Z'), 'Asia/Kathmandu')).toBe(5.75 * HOUR);
  });

  it('finds offset changes to the minute', () => {
    const spans = offsetSpans(Date.parse('2025-01-01T00:00:00Z'), Date.parse('2026-01-01T00:00:00Z'), 'Europe/London');

    expect(spans.map((span) => [new Date(span.from).toISOString(), span.offsetMs / HOUR])).toEqual([
      ['2025-01-01T00:00:00.000Z', 0],
      ['2025-03-30T01:00:00.000Z', 1],
      ['2025-10-26T01:00:00.000Z', 0],
    ]);
  });

  it('starts a day at local midnight', () => {
    expect(new Date(startOfLocalDay(2025, 7, 1, 'Europe/London')).toISOString()).toBe('2025-06-30T23:00:00.000Z');
    expect(new Date(startOfLocalDay(2025, 7, 1, 'America/New_York')).toISOString()).toBe('2025-07-01T04:00:00.000Z');
  });

  it('starts a day without midnight at 01:00', () => {
    // São Paulo skipped from 00:00 to 01:00 on 4 November 2018.
    expect(new Date(startOfLocalDay(2018, 11, 4, 'America/Sao_Paulo')).toISOString()).toBe('2018-11-04T03:00:00.000Z');
  });

  it('names the local day of an instant', () => {
    expect(localDate(Date.parse('2025-03-30T23:30:00Z'), 'Europe/London')).toEqual({ year: 2025, month: 3, day: 31 });
    expect(localDate(Date.parse('2025-03-30T23:30:00Z'), 'America/Los_Angeles')).toEqual({ year: 2025, month: 3, day: 30 });
  });
});

describe('buckets', () => {
  it('round-trips the first day of each bucket', () => {
    for (const bucket of ['day', 'week', 'month'] as const) {
      const key = bucketKeyOfDay(2025, 4, 2, bucket);
      const first = firstDayOfBucket(key, bucket);

      expect(bucketKeyOfDay(first.year, first.month, first.day, bucket)).toBe(key);
    }
    expect(firstDayOfBucket(bucketKeyOfDay(2025, 4, 2, 'week'), 'week')).toEqual({ year: 2025, month: 3, day: 31 });
    expect(firstDayOfBucket(bucketKeyOfDay(2025, 4, 2, 'month'), 'month')).toEqual({ year: 2025, month: 4, day: 1 });
  });

  it('ends the last 30 days today', () => {
    const period = resolvePeriod({}, 'Europe/London', Date.parse('2025-07-15T23:30:00Z'), () => null);

    expect(period.from).toEqual({ year: 2025, month: 6, day: 17 });
    expect(period.to).toEqual({ year: 2025, month: 7, day: 16 });
    expect(period.bucket).toBe('day');
    expect(period.keys).toHaveLength(30);
  });

  it('rejects a custom period that ends first', () => {
    const period = resolvePeriod({ period: 'custom', from: '2025-07-10', to: '2025-07-01' }, 'UTC', Date.parse('2025-07-15T12:00:00Z'), () => null);

    expect(period.name).toBe('30d');
    expect(period.notices[0]).toContain('needs a "from" day on or before its "to" day');
  });

  it('shortens a period of centuries', () => {
    const period = resolvePeriod({ period: 'custom', from: '0001-01-01', to: '9999-12-31' }, 'UTC', Date.parse('2025-07-15T12:00:00Z'), () => null);

    expect(period.bucket).toBe('month');
    expect(period.keys.length).toBeLessThanOrEqual(400);
    expect(period.notices.at(-1)).toContain('longer than 400 months');
  });
});
