import { describe, expect, it } from 'vitest';
import { configInput, openTestCollector, responseJson, siteInput, type SiteInput, type TestCollector } from '../../test/harness.js';
import { metricOf, signIn, tableOf, textOf } from '../testing.js';
import { parseConfig } from '../../config/load.js';
import { enqueueValueChanges } from '../../webhooks/changes.js';

const SECRET = 'a-secret-key-of-24-chars-or-more';
const DAY = 24 * 60 * 60 * 1000;

function openSegments(overrides: Partial<SiteInput> = {}) {
  return openTestCollector(configInput(siteInput({ secretKey: SECRET, minCustomersForScores: 5, ...overrides })));
}

/** Inserts `count` customers whose orders, revenue and recency all rise with n, then scores them through the admin API. */
async function insertScoredCustomers(collector: TestCollector, count: number) {
  const insert = collector.sqlite.prepare(
    "INSERT INTO profiles (site_key, id, first_seen, last_seen, orders, revenue, first_order_at, last_order_at) VALUES ('test-shop', ?, 0, 0, ?, ?, 0, ?)",
  );
  for (let n = 1; n <= count; n++) insert.run(`u:c${n}`, n, n * 1000, Date.now() - (count - n) * DAY);
  const response = await collector.app.request('/v1/admin/sites/test-shop/scores', { method: 'POST', headers: { Authorization: `Bearer ${SECRET}` } });
  expect(response.status).toBe(200);
}

describe('segments page', () => {
  it('shows the RFM grid with its customers and revenue', async () => {
    const collector = openSegments();
    await insertScoredCustomers(collector, 20);
    const expected = collector.rows<{ r: number; f: number; customers: number; revenue: number }>(
      "SELECT json_extract(rfm, '$.r') AS r, json_extract(rfm, '$.f') AS f, count(*) AS customers, sum(revenue) AS revenue FROM profiles WHERE rfm IS NOT NULL GROUP BY 1, 2",
    );
    const { page } = await signIn(collector, 'test-shop', SECRET);

    const html = await page('/dashboard/segments');
    const grid = tableOf(html, 'rfm-grid');

    expect(metricOf(html, 'scoring-run')).toMatch(/^20 customers scored on /);
    expect(grid.map((row) => row[0])).toEqual(['F 5 · most orders', 'F 4', 'F 3', 'F 2', 'F 1 · fewest']);
    for (const cell of expected) {
      const text = grid[5 - cell.f]![cell.r]!;
      expect(text.startsWith(`${cell.customers} £${(cell.revenue / 100).toFixed(2)}`), `cell R${cell.r} F${cell.f}: ${text}`).toBe(true);
    }
    expect(grid[0]![5]).toMatch(/champions$/);
    expect(grid[4]![1]).toMatch(/hibernating$/);
  });

  it('shows segment revenue like the admin API', async () => {
    const collector = openSegments();
    await insertScoredCustomers(collector, 20);
    const api = await responseJson<{ segments: Array<{ segment: string; customers: number; revenue: number; revenueShare: number }> }>(
      await collector.app.request('/v1/admin/sites/test-shop/segments', { headers: { Authorization: `Bearer ${SECRET}` } }),
    );
    const { page } = await signIn(collector, 'test-shop', SECRET);

    const rows = tableOf(await page('/dashboard/segments'), 'segments');

    expect(rows.map((row) => [row[0], row[2], row[3]])).toEqual(
      api.segments.map((segment) => [segment.segment, String(segment.customers), `£${(segment.revenue / 100).toLocaleString('en-GB', { minimumFractionDigits: 2 })}`]),
    );
  });

  it('counts moves at the latest check', async () => {
    const collector = openSegments();
    await insertScoredCustomers(collector, 20);
    const now = collector.rows<{ id: string; segment: string }>("SELECT id, segment FROM profiles WHERE id IN ('u:c20', 'u:c19', 'u:c1')");
    const segmentOf = (id: string) => now.find((row) => row.id === id)!.segment;
    const site = parseConfig(configInput(siteInput())).sites[0]!;
    // The first check notes every customer's segment; the second finds the three changed below.
    enqueueValueChanges(collector.db, site, 1000);
    const mark = collector.sqlite.prepare("UPDATE webhook_marks SET segment = ? WHERE profile_id = ?");
    mark.run('hibernating', 'u:c20');
    mark.run('hibernating', 'u:c19');
    mark.run('champions', 'u:c1');
    enqueueValueChanges(collector.db, site, 2000);
    const { page } = await signIn(collector, 'test-shop', SECRET);

    const html = await page('/dashboard/segments');
    const moves = tableOf(html, 'segment-moves');

    expect(metricOf(html, 'segment-moves')).toMatch(/^3 customers changed segment at the check of /);
    expect([segmentOf('u:c20'), segmentOf('u:c19'), segmentOf('u:c1')]).toEqual(['champions', 'champions', 'hibernating']);
    // Rows are the segments before the check, columns after it, in order of value.
    expect(moves).toEqual([
      ['champions', '', '1'],
      ['hibernating', '2', ''],
    ]);
  });

  it('explains each segment', async () => {
    const collector = openSegments();
    await insertScoredCustomers(collector, 5);
    const { page } = await signIn(collector, 'test-shop', SECRET);

    const text = textOf(await page('/dashboard/segments'));

    expect(text).toContain('What the segments mean');
    expect(text).toContain("can't lose slipping away used to buy the most, but not for a long time");
  });

  it('says when no one has moved', async () => {
    const collector = openSegments();
    await insertScoredCustomers(collector, 5);
    const { page } = await signIn(collector, 'test-shop', SECRET);

    expect(textOf(await page('/dashboard/segments'))).toContain('No customer has changed segment yet.');
  });

  it('says when there are too few customers', async () => {
    const collector = openSegments();
    await insertScoredCustomers(collector, 3);
    const { page } = await signIn(collector, 'test-shop', SECRET);

    expect(metricOf(await page('/dashboard/segments'), 'scoring-run')).toMatch(/^Not enough data yet: 3 customers, and scores need at least 5/);
  });
});
