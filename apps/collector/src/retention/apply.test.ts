import type { OfferResponse } from '@patron/protocol';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import {
  SESSION_ID,
  SITE_KEY,
  addToCart,
  configInput,
  item,
  openTestCollector,
  pageView,
  purchase,
  recordingLogger,
  responseJson,
  siteInput,
  type TestCollector,
} from '../test/harness.js';
import { applyRetention } from './apply.js';
import { startRetentionJob } from './job.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const OTHER_SITE = 'other-shop';

/** Matches every visitor, so that each offer request stores a decision with an offer. */
const welcome = { id: 'welcome', title: 'Welcome', message: 'Take 5% off.', when: { fact: 'visitor.sessions', op: 'gte', value: 0 } } as const;

function openShop(retentionDays: number | undefined = 400): TestCollector {
  return openTestCollector(
    configInput(siteInput({ retentionDays, offers: [welcome] }), siteInput({ key: OTHER_SITE, offers: [welcome] })),
  );
}

/** Stores one of each kind of raw row for the visitor: events, an offer decision with its exposure, and a quarantined event. */
async function storeActivity(collector: TestCollector, visitorId: string, siteKey = SITE_KEY): Promise<void> {
  const offer = await collector.postJson('/v1/offer', { siteKey, visitorId, context: { sessionId: SESSION_ID } });
  const decision = await responseJson<OfferResponse>(offer);
  expect(decision.assignment?.group).toBe('treatment');
  await collector.storeEvents(
    [
      pageView({ visitorId }),
      addToCart([item('teapot', '24.00')], { visitorId }),
      purchase(`order-${visitorId}`, '24.00', { visitorId }),
      { ...pageView({ visitorId }), type: 'refund', transactionId: `order-${visitorId}`, value: '4.00', currency: 'GBP' },
      { ...pageView({ visitorId }), type: 'offer_exposure', decisionId: decision.decisionId, offerId: 'welcome', variant: decision.assignment!.variant, group: 'treatment' },
      { ...pageView({ visitorId }), timestamp: 'yesterday' },
    ],
    { siteKey },
  );
}

/** Moves every raw row of a visitor `days` back in time. */
function age(collector: TestCollector, visitorId: string, days: number): void {
  const shift = days * DAY_MS;
  collector.sqlite.prepare('UPDATE events SET occurred_at = occurred_at - ? WHERE visitor_id = ?').run(shift, visitorId);
  collector.sqlite.prepare('UPDATE decisions SET decided_at = decided_at - ? WHERE visitor_id = ?').run(shift, visitorId);
  collector.sqlite.prepare('UPDATE offer_events SET occurred_at = occurred_at - ? WHERE visitor_id = ?').run(shift, visitorId);
  collector.sqlite.prepare("UPDATE quarantine SET received_at = received_at - ? WHERE json_extract(payload, '$.visitorId') = ?").run(shift, visitorId);
}

/** Rows per table that belong to a visitor, with events by type. */
function rowsOf(collector: TestCollector, visitorId: string) {
  const count = (sql: string) => (collector.sqlite.prepare(sql).pluck().get(visitorId) as number);
  return {
    eventTypes: collector.rows<{ type: string }>('SELECT type FROM events WHERE visitor_id = ? ORDER BY type', visitorId).map((row) => row.type),
    decisions: count('SELECT count(*) FROM decisions WHERE visitor_id = ?'),
    offerEvents: count('SELECT count(*) FROM offer_events WHERE visitor_id = ?'),
    quarantine: count("SELECT count(*) FROM quarantine WHERE json_extract(payload, '$.visitorId') = ?"),
    orders: count('SELECT count(*) FROM orders WHERE visitor_id = ?'),
    profiles: count("SELECT count(*) FROM profiles WHERE id = 'v:' || ?"),
  };
}

describe('applyRetention', () => {
  it('deletes old raw rows and keeps recent ones', async () => {
    const collector = openShop(400);
    await storeActivity(collector, 'old-visitor');
    await storeActivity(collector, 'recent-visitor');
    age(collector, 'old-visitor', 401);
    age(collector, 'recent-visitor', 399);
    const before = rowsOf(collector, 'recent-visitor');

    const result = await applyRetention(collector.db, parseConfig(configInput(siteInput({ retentionDays: 400 }))).sites[0]!);

    expect(result?.rows).toEqual({ events: 3, quarantine: 1, decisions: 1, offerEvents: 1 });
    const old = rowsOf(collector, 'old-visitor');
    expect(old.eventTypes).toEqual(['purchase', 'refund']);
    expect(old.decisions).toBe(0);
    expect(old.offerEvents).toBe(0);
    expect(old.quarantine).toBe(0);
    expect(rowsOf(collector, 'recent-visitor')).toEqual(before);
    expect(before.eventTypes).toEqual(['add_to_cart', 'offer_exposure', 'page_view', 'purchase', 'refund']);
  });

  it('keeps orders and profiles of deleted events', async () => {
    const collector = openShop(400);
    await storeActivity(collector, 'old-visitor');
    const profileBefore = collector.rows('SELECT * FROM profiles WHERE id = ?', 'v:old-visitor');
    const ordersBefore = collector.rows('SELECT * FROM orders WHERE visitor_id = ?', 'old-visitor');
    age(collector, 'old-visitor', 500);

    await applyRetention(collector.db, { key: SITE_KEY, retentionDays: 400 });

    expect(rowsOf(collector, 'old-visitor').orders).toBe(1);
    expect(rowsOf(collector, 'old-visitor').profiles).toBe(1);
    expect(collector.rows('SELECT * FROM profiles WHERE id = ?', 'v:old-visitor')).toEqual(profileBefore);
    expect(collector.rows('SELECT * FROM orders WHERE visitor_id = ?', 'old-visitor')).toEqual(ordersBefore);
    expect(ordersBefore[0]).toMatchObject({ value: 2400, refunded: 400 });
  });

  it('leaves other sites alone', async () => {
    const collector = openShop(400);
    await storeActivity(collector, 'elsewhere', OTHER_SITE);
    age(collector, 'elsewhere', 1000);
    const before = rowsOf(collector, 'elsewhere');

    const result = await applyRetention(collector.db, { key: SITE_KEY, retentionDays: 400 });

    expect(result?.rows).toEqual({ events: 0, quarantine: 0, decisions: 0, offerEvents: 0 });
    expect(rowsOf(collector, 'elsewhere')).toEqual(before);
    expect(before.eventTypes).toHaveLength(5);
  });

  it('does nothing without retentionDays', async () => {
    const collector = openShop(undefined);
    await storeActivity(collector, 'old-visitor');
    age(collector, 'old-visitor', 10_000);

    const result = await applyRetention(collector.db, { key: SITE_KEY, retentionDays: undefined });

    expect(result).toBeUndefined();
    expect(rowsOf(collector, 'old-visitor').eventTypes).toHaveLength(5);
  });

  it('counts without deleting in a dry run', async () => {
    const collector = openShop(400);
    await storeActivity(collector, 'old-visitor');
    age(collector, 'old-visitor', 401);

    const result = await applyRetention(collector.db, { key: SITE_KEY, retentionDays: 400 }, { dryRun: true });

    expect(result?.rows).toEqual({ events: 3, quarantine: 1, decisions: 1, offerEvents: 1 });
    expect(rowsOf(collector, 'old-visitor').eventTypes).toHaveLength(5);
  });

  it('deletes in batches with turns of the event loop between', async () => {
    const collector = openShop(400);
    const events = Array.from({ length: 25 }, () => pageView({ visitorId: 'old-visitor' }));
    // Purchases sort first and stay, so every batch has to find the deletable rows after them.
    const purchases = Array.from({ length: 10 }, (_, index) => purchase(`order-${index}`, 5, { visitorId: 'old-visitor', timestamp: Date.now() - 1000 }));
    await collector.storeEvents([...purchases, ...events]);
    age(collector, 'old-visitor', 401);
    // A callback that queues itself again runs once per turn of the event loop.
    let turns = 0;
    let running = true;
    const tick = () => {
      turns++;
      if (running) setImmediate(tick);
    };
    setImmediate(tick);

    const result = await applyRetention(collector.db, { key: SITE_KEY, retentionDays: 400 }, { batchRows: 4 });
    running = false;

    expect(result?.rows.events).toBe(25);
    expect(rowsOf(collector, 'old-visitor').eventTypes).toEqual(Array(10).fill('purchase'));
    // 25 rows in batches of 4 give 7 batches, with a turn after each full one.
    expect(turns).toBeGreaterThanOrEqual(3);
  });

  it('stops between batches when asked', async () => {
    const collector = openShop(400);
    await collector.storeEvents(Array.from({ length: 20 }, () => pageView({ visitorId: 'old-visitor' })));
    age(collector, 'old-visitor', 401);
    let batches = 0;

    const result = await applyRetention(collector.db, { key: SITE_KEY, retentionDays: 400 }, { batchRows: 5, stopped: () => ++batches > 2 });

    expect(result?.rows.events).toBe(10);
    expect(rowsOf(collector, 'old-visitor').eventTypes).toHaveLength(10);
  });
});

describe('startRetentionJob', () => {
  it('applies retention at start and logs the counts', async () => {
    const collector = openShop(400);
    await storeActivity(collector, 'old-visitor');
    age(collector, 'old-visitor', 401);
    const { logger, records } = recordingLogger();
    const config = parseConfig(configInput(siteInput({ retentionDays: 400 }), siteInput({ key: OTHER_SITE })));

    const job = startRetentionJob(collector.db, config, logger);
    await job.firstRun;
    await job.stop();

    expect(rowsOf(collector, 'old-visitor').eventTypes).toEqual(['purchase', 'refund']);
    const record = records.find((line) => line.msg === 'rows older than the retention period deleted');
    expect(record).toMatchObject({ siteKey: SITE_KEY, retentionDays: 400, deleted: { events: 3, quarantine: 1, decisions: 1, offerEvents: 1 } });
  });

  it('logs a failure and keeps the schedule', async () => {
    const collector = openShop(400);
    const { logger, records } = recordingLogger();
    collector.sqlite.close();

    const job = startRetentionJob(collector.db, parseConfig(configInput(siteInput({ retentionDays: 400 }))), logger);
    await job.firstRun;
    await job.stop();

    const record = records.find((line) => line.level === 50);
    expect(record?.msg).toBe('deleting rows older than the retention period failed; retrying at the next run');
    expect(record?.siteKey).toBe(SITE_KEY);
  });
});

describe('retentionDays in the configuration', () => {
  it('rejects fewer days than the attribution window', () => {
    expect(() => parseConfig(configInput(siteInput({ retentionDays: 40, offerSettings: { attributionDays: 60 } })))).toThrow(
      /retentionDays: must be at least offerSettings\.attributionDays \(60\)/,
    );
  });

  it('rejects fewer than 30 days', () => {
    expect(() => parseConfig(configInput(siteInput({ retentionDays: 7 })))).toThrow(/retentionDays/);
  });

  it('is unset by default', () => {
    expect(parseConfig(configInput(siteInput())).sites[0]?.retentionDays).toBeUndefined();
  });
});
