import { describe, expect, it } from 'vitest';
import { openTestCollector } from '../../test/harness.js';
import { countVisitors } from './visitors.js';

const DAY = 24 * 60 * 60 * 1000;
const START = Date.parse('2025-01-01T00:00:00Z');

describe('countVisitors', () => {
  // Visitor n visits on days n, n + 10 and n + 20 of a year, and every visit on day 0 is by "early".
  function openYear() {
    const collector = openTestCollector();
    const insert = collector.sqlite.prepare(
      "INSERT INTO events (site_key, id, type, visitor_id, session_id, occurred_at, client_time, received_at) VALUES ('test-shop', ?, 'page_view', ?, 's', ?, ?, ?)",
    );
    collector.sqlite.transaction(() => {
      for (let n = 1; n <= 300; n++) {
        for (const day of [n, n + 10, n + 20]) insert.run(`${n}-${day}`, `visitor-${n}`, START + day * DAY, 0, 0);
      }
      insert.run('early', 'early', START, 0, 0);
    })();
    return collector;
  }
  const naive = (collector: ReturnType<typeof openYear>, start: number, end: number) =>
    collector.rows<{ n: number }>("SELECT count(DISTINCT visitor_id) AS n FROM events WHERE site_key = 'test-shop' AND occurred_at >= ? AND occurred_at < ?", start, end)[0]!.n;

  it.each([
    ['a week, read by time', 100, 7],
    ['a quarter of the history, read by time', 0, 80],
    ['half the history, read by visitor', 150, 160],
    ['all the history, read by visitor', 0, 330],
  ])('counts each visitor once over %s', (_, fromDay, days) => {
    const collector = openYear();
    const start = START + fromDay * DAY;
    const end = start + days * DAY;

    expect(countVisitors(collector.db, 'test-shop', { start, end })).toBe(naive(collector, start, end));
  });

  it('counts none before the first event and on another site', () => {
    const collector = openYear();

    expect(countVisitors(collector.db, 'test-shop', { start: START - 10 * DAY, end: START })).toBe(0);
    expect(countVisitors(collector.db, 'other-shop', { start: START, end: START + 400 * DAY })).toBe(0);
  });
});
