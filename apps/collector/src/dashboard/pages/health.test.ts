import { describe, expect, it } from 'vitest';
import { appServices } from '../../app.js';
import { configInput, item, openTestCollector, pageView, siteInput } from '../../test/harness.js';
import { metricOf, signIn, tableOf, textOf } from '../testing.js';

const SECRET = 'a-secret-key-of-24-chars-or-more';
const HOUR = 60 * 60 * 1000;
const webhook = { id: 'crm', url: 'http://127.0.0.1:9/hooks', events: ['customer.first_purchase' as const], secret: 'a-webhook-secret-of-24-chars-or-more' };

function openHealth() {
  return openTestCollector(configInput(siteInput({ secretKey: SECRET, webhooks: [webhook] }), siteInput({ key: 'other-shop' })));
}

describe('health page', () => {
  it('counts events received in the last hour', async () => {
    const collector = openHealth();
    // Rows are stored in the order they arrive, so the older event comes first.
    collector.sqlite
      .prepare("INSERT INTO events (site_key, id, type, visitor_id, session_id, occurred_at, client_time, received_at) VALUES ('test-shop', 'old', 'page_view', 'v', 's', ?, ?, ?)")
      .run(Date.now() - 2 * HOUR, Date.now() - 2 * HOUR, Date.now() - 2 * HOUR);
    await collector.storeEvents([pageView(), pageView(), pageView()]);
    await collector.storeEvents([pageView()], { siteKey: 'other-shop' });
    const { page } = await signIn(collector, 'test-shop', SECRET);

    const html = await page('/dashboard/health');

    expect(metricOf(html, 'events-last-hour')).toBe('3');
    expect(metricOf(html, 'ingestion')).toBe('3 events');
  });

  it('groups rejected events by reason', async () => {
    const collector = openHealth();
    const response = await collector.sendEvents([
      { ...pageView(), type: 'view_item', items: [item('teapot', '24.00')] },
      { ...pageView(), type: 'view_item', items: [item('lantern', '12.00')] },
      { ...pageView(), visitorId: '' },
    ]);
    expect(response.status).toBe(200);
    const { page } = await signIn(collector, 'test-shop', SECRET);

    const html = await page('/dashboard/health');
    const reasons = tableOf(html, 'rejections');

    expect(metricOf(html, 'rejected-7-days')).toBe('3');
    expect(reasons[0]![0]).toBe('currency');
    expect(reasons[0]![2]).toBe('2');
    expect(reasons.map((row) => row[0])).toContain('visitorId');
  });

  it('counts webhook deliveries by status', async () => {
    const collector = openHealth();
    const insert = collector.sqlite.prepare(
      "INSERT INTO webhook_deliveries (id, site_key, webhook_id, event, dedupe_key, body, status, attempts, next_attempt_at, created_at, last_error, last_status) VALUES (?, 'test-shop', 'crm', 'customer.first_purchase', ?, '{}', ?, 1, 0, ?, ?, ?)",
    );
    insert.run('d1', 'k1', 'delivered', Date.now(), null, 200);
    insert.run('d2', 'k2', 'delivered', Date.now(), null, 200);
    insert.run('d3', 'k3', 'failed', Date.now(), 'connection refused', null);
    insert.run('d4', 'k4', 'pending', Date.now(), 'HTTP 500 from the receiver', 500);
    const { page } = await signIn(collector, 'test-shop', SECRET);

    const html = await page('/dashboard/health');

    expect(tableOf(html, 'deliveries')).toEqual([['crm', '1', '2', '1']]);
    expect(metricOf(html, 'deliveries-failed')).toBe('1');
    expect(textOf(html)).toContain('connection refused');
  });

  it('shows load shed by tier', async () => {
    const collector = openHealth();
    // Admission runs in front of the app (src/priority/early.ts), which counts in the app's metrics.
    const { metrics } = appServices.get(collector.app)!;
    metrics.admitted.inc({ route: 'events', tier: 'gold' }, 3);
    metrics.shed.inc({ route: 'offer', tier: 'bronze' }, 2);
    const { page } = await signIn(collector, 'test-shop', SECRET);

    const html = await page('/dashboard/health');
    const tiers = tableOf(html, 'load-shed');

    expect(tiers.map((row) => row[0])).toEqual(['platinum', 'gold', 'silver', 'bronze']);
    expect(tiers[1]).toEqual(['gold', '3', '0', '0', '0']);
    expect(tiers[3]).toEqual(['bronze', '0', '0', '0', '2']);
    expect(metricOf(html, 'load-shed')).toBe('2');
  });
});
