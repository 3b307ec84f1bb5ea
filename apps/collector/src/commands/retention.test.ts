import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configInput, openTestCollector, pageView, purchase, siteInput, type TestCollector } from '../test/harness.js';
import { runPatron } from '../test/spawn.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Opens a shop that keeps 400 days, with three page views and a purchase from 500 days ago and a page view from today. */
async function openShop(): Promise<{ collector: TestCollector; data: string[] }> {
  const input = configInput(siteInput({ retentionDays: 400 }), siteInput({ key: 'other-shop' }));
  const collector = openTestCollector(input);
  const configPath = join(collector.dir, 'patron.config.json');
  writeFileSync(configPath, JSON.stringify(input));
  await collector.storeEvents([pageView({ visitorId: 'old' }), pageView({ visitorId: 'old' }), pageView({ visitorId: 'old' }), purchase('order-1', 10, { visitorId: 'old' })]);
  await collector.storeEvents([pageView({ visitorId: 'recent' })]);
  collector.sqlite.prepare("UPDATE events SET occurred_at = occurred_at - ? WHERE visitor_id = 'old'").run(500 * DAY_MS);
  return { collector, data: ['--db', collector.dbPath, '--config', configPath] };
}

describe('patron retention apply', () => {
  it('counts in a dry run', async () => {
    const { collector, data } = await openShop();

    const result = await runPatron('retention', 'apply', '--dry-run', ...data);

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^test-shop: would delete 3 events, 0 quarantined events, 0 offer decisions, 0 offer events older than \S+ \(400 days\)\.$/m);
    expect(result.stdout).toContain('other-shop: no retentionDays in the configuration, so nothing is deleted by age.');
    expect(collector.rows('SELECT id FROM events')).toHaveLength(5);
  });

  it('deletes the old rows', async () => {
    const { collector, data } = await openShop();

    const result = await runPatron('retention', 'apply', '--site', 'test-shop', ...data);

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^test-shop: deleted 3 events, .* in \d+ ms\.$/m);
    expect(result.stdout).not.toContain('other-shop');
    expect(collector.rows<{ type: string; visitor_id: string }>('SELECT type, visitor_id FROM events ORDER BY visitor_id')).toEqual([
      { type: 'purchase', visitor_id: 'old' },
      { type: 'page_view', visitor_id: 'recent' },
    ]);
  });

  it('rejects an unknown site', async () => {
    const { data } = await openShop();

    const result = await runPatron('retention', 'apply', '--site', 'no-such-shop', ...data);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Site "no-such-shop" is not in the configuration; its sites are: test-shop, other-shop');
  });

  it('rejects a missing database', async () => {
    const { collector, data } = await openShop();

    const result = await runPatron('retention', 'apply', ...data.slice(2), '--db', join(collector.dir, 'missing.db'));

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('missing.db not found');
  });

  it('prints its help', async () => {
    const result = await runPatron('retention', '--help');

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: patron retention apply');
  });
});
