import { describe, expect, it } from 'vitest';
import { describeChange, previousPeriod } from './comparison.js';
import { Formatter } from './format.js';
import { resolvePeriod } from './period.js';

const format = new Formatter('en-GB', 'GBP', 'UTC');
const day = (text: string) => ({ year: Number(text.slice(0, 4)), month: Number(text.slice(5, 7)), day: Number(text.slice(8, 10)) });

describe('previousPeriod', () => {
  it('takes as many days just before the period', () => {
    const period = resolvePeriod({ period: '30d' }, 'UTC', Date.parse('2026-12-05T12:00:00Z'), () => null);

    const previous = previousPeriod(period, 'UTC')!;

    expect([previous.from, previous.to, previous.days, previous.label]).toEqual([day('2026-10-07'), day('2026-11-05'), 30, 'the previous 30 days']);
    expect([previous.start, previous.end]).toEqual([Date.parse('2026-10-07T00:00:00Z'), period.start]);
  });

  it('starts at local midnight across a change to summer time', () => {
    const period = resolvePeriod({ period: 'custom', from: '2025-04-01', to: '2025-04-07' }, 'Europe/London', Date.parse('2025-05-01T00:00:00Z'), () => null);

    const previous = previousPeriod(period, 'Europe/London')!;

    // 25 March was still on GMT, and 1 April was on BST (UTC+1).
    expect(previous.start).toBe(Date.parse('2025-03-25T00:00:00Z'));
    expect(previous.end).toBe(Date.parse('2025-03-31T23:00:00Z'));
  });

  it('names a single day', () => {
    const period = resolvePeriod({ period: 'custom', from: '2025-04-01', to: '2025-04-01' }, 'UTC', Date.parse('2025-05-01T00:00:00Z'), () => null);

    expect(previousPeriod(period, 'UTC')?.label).toBe('the previous day');
  });

  it('has nothing before all time', () => {
    const period = resolvePeriod({ period: 'all' }, 'UTC', Date.parse('2025-05-01T00:00:00Z'), () => Date.parse('2024-01-01T00:00:00Z'));

    expect(previousPeriod(period, 'UTC')).toBeUndefined();
  });
});

describe('describeChange', () => {
  const say = (current: number, previous: number) => describeChange(current, previous, { label: 'the previous 30 days', noun: 'revenue', format, formatValue: (value) => format.money(value) });

  it.each([
    [112, 100, '+12% on the previous 30 days'],
    [95, 100, '−5% on the previous 30 days'],
    [100_040, 100_000, 'the same as the previous 30 days'],
    [-50, 100, '−150% on the previous 30 days'],
    [100, 0, 'no revenue in the previous 30 days'],
    [0, 0, 'no revenue in the previous 30 days either'],
    [100, -1200, '-£12.00 in the previous 30 days'],
  ])('describes %d against %d', (current, previous, expected) => {
    expect(say(current, previous)).toBe(expected);
  });
});
