import { sql } from 'drizzle-orm';
import type { Db } from '../../db/open.js';
import { events } from '../../db/schema.js';
import type { Period } from '../period.js';
import { firstDayOfBucket, startOfLocalDay } from '../time.js';

/** Buckets remembered per database; the oldest are forgotten first beyond this. */
const MAX_REMEMBERED = 20_000;

interface Remembered {
  fingerprint: string;
  visitors: number;
}

const remembered = new WeakMap<Db, Map<string, Remembered>>();

/** Returns the stretch of time of each bucket of a period, in its time zone, cut to the period. */
export function bucketSpans(period: Pick<Period, 'start' | 'end' | 'bucket' | 'keys'>, timeZone: string): Array<{ key: number; start: number; end: number }> {
  const startOf = (key: number) => {
    const day = firstDayOfBucket(key, period.bucket);
    return startOfLocalDay(day.year, day.month, day.day, timeZone);
  };
  return period.keys.map((key) => ({ key, start: Math.max(period.start, startOf(key)), end: Math.min(period.end, startOf(key + 1)) }));
}

/**
 * Counts the distinct visitors of each bucket of a period, remembering each bucket's count until
 * its events change. Past buckets rarely do, so on a long period only the latest bucket is counted
 * again, and the rest cost one pass over their stretch of events_site_time_visitor.
 *
 * A bucket's events are recognised by a fingerprint read from that index alone: how many there
 * are, the sum of their rowids and the sum of their times. A new or deleted event changes it, and
 * so does an erasure followed by a new event. That event takes a new rowid unless the newest event
 * of the whole table was the one erased and the new one has the very same time.
 */
export function readBucketVisitors(db: Db, siteKey: string, period: Pick<Period, 'start' | 'end' | 'bucket' | 'keys'>, timeZone: string): Map<number, number> {
  let cache = remembered.get(db);
  if (!cache) remembered.set(db, (cache = new Map()));
  const counts = new Map<number, number>();
  for (const span of bucketSpans(period, timeZone)) {
    const inSpan = sql`${events.siteKey} = ${siteKey} AND ${events.occurredAt} >= ${span.start} AND ${events.occurredAt} < ${span.end}`;
    // Times are summed from the bucket's start, so that the sum stays far below 2^63.
    const row = db.get<{ events: number; rowids: number; times: number }>(sql`
      SELECT count(*) AS events, coalesce(sum(rowid), 0) AS rowids, coalesce(sum(${events.occurredAt} - ${span.start}), 0) AS times
      FROM ${events} INDEXED BY events_site_time_visitor WHERE ${inSpan}`);
    const fingerprint = `${row.events}:${row.rowids}:${row.times}`;
    const key = `${siteKey}\n${span.start}\n${span.end}`;
    const known = cache.get(key);
    if (known?.fingerprint === fingerprint) {
      // Set again, so that the buckets forgotten first are those least recently read.
      cache.delete(key);
      cache.set(key, known);
      counts.set(span.key, known.visitors);
      continue;
    }
    const visitors =
      row.events === 0
        ? 0
        : db.get<{ visitors: number }>(sql`SELECT count(DISTINCT ${events.visitorId}) AS visitors FROM ${events} INDEXED BY events_site_time_visitor WHERE ${inSpan}`).visitors;
    cache.delete(key);
    cache.set(key, { fingerprint, visitors });
    if (cache.size > MAX_REMEMBERED) cache.delete(cache.keys().next().value!);
    counts.set(span.key, visitors);
  }
  return counts;
}
