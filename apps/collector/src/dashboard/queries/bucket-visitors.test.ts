import { describe, expect, it } from 'vitest';
import { openTestCollector, type TestCollector } from '../../test/harness.js';
import { resolvePeriod } from '../period.js';
import { bucketSpans, readBucketVisitors } from './bucket-visitors.js';

function insertEvent(collector: TestCollector, id: string, visitorId: string, occurredAt: string) {
  const at = Date.parse(occurredAt);
  collector.sqlite
    .prepare("INSERT INTO events (site_key, id, type, visitor_id, session_id, occurred_at, client_time, received_at) VALUES ('test-shop', ?, 'page_view', ?, 's', ?, ?, ?)")
    .run(id, visitorId, at, at, at);
}

// Britain moved to summer time at 01:00 UTC on 30 March 2025.
const london = resolvePeriod({ period: 'custom', from: '2025-03-29', to: '2025-03-31', bucket: 'day' }, 'Europe/London', Date.parse('2025-06-01T00:00:00Z'), () => null);
const days = (counts: Map<number, number>) => [...counts.values()];

describe('readBucketVisitors', () => {
  it('cuts buckets at local midnight', () => {
    expect(bucketSpans(london, 'Europe/London').map((span) => [new Date(span.start).toISOString(), new Date(span.end).toISOString()])).toEqual([
      ['2025-03-29T00:00:00.000Z', '2025-03-30T00:00:00.000Z'],
      ['2025-03-30T00:00:00.000Z', '2025-03-30T23:00:00.000Z'],
      ['2025-03-30T23:00:00.000Z', '2025-03-31T23:00:00.000Z'],
    ]);
  });

  it('counts each visitor once per local day', () => {
    const collector = openTestCollector();
    insertEvent(collector, 'a1', 'ann', '2025-03-29T10:00:00Z');
    insertEvent(collector, 'a2', 'ann', '2025-03-29T11:00:00Z');
    insertEvent(collector, 'b1', 'bob', '2025-03-29T12:00:00Z');
    // 23:30 UTC on 30 March is 00:30 on 31 March in London.
    insertEvent(collector, 'a3', 'ann', '2025-03-30T23:30:00Z');

    expect(days(readBucketVisitors(collector.db, 'test-shop', london, 'Europe/London'))).toEqual([2, 0, 1]);
  });

  it('counts a bucket again once its events change', () => {
    const collector = openTestCollector();
    insertEvent(collector, 'a1', 'ann', '2025-03-29T10:00:00Z');
    const read = () => days(readBucketVisitors(collector.db, 'test-shop', london, 'Europe/London'));
    expect(read()).toEqual([1, 0, 0]);

    insertEvent(collector, 'b1', 'bob', '2025-03-29T12:00:00Z');
    expect(read()).toEqual([2, 0, 0]);

    collector.sqlite.prepare("DELETE FROM events WHERE id = 'a1'").run();
    expect(read()).toEqual([1, 0, 0]);
  });

  it('remembers a bucket whose events are unchanged', () => {
    const collector = openTestCollector();
    insertEvent(collector, 'a1', 'ann', '2025-03-29T10:00:00Z');
    insertEvent(collector, 'b1', 'bob', '2025-03-29T12:00:00Z');
    const read = () => days(readBucketVisitors(collector.db, 'test-shop', london, 'Europe/London'));
    expect(read()).toEqual([2, 0, 0]);

    // Events are never updated in place, so a change that keeps every rowid and time is not seen.
    collector.sqlite.prepare("UPDATE events SET visitor_id = 'ann' WHERE id = 'b1'").run();

    expect(read()).toEqual([2, 0, 0]);
  });
});
