import { writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configInput, openTestCollector, purchase, siteInput, type TestCollector } from '../test/harness.js';
import { runPatron } from '../test/spawn.js';
import { startReceiver } from '../webhooks/test-receiver.js';

const SECRET = 'webhook-secret-of-24-chars-at-least';
const ADMIN_SECRET = 'admin-secret-of-24-chars-at-least';

/** A collector with two customers, one identified with an email, and its configuration on disk. */
async function openShop(): Promise<{ collector: TestCollector; data: string[] }> {
  const input = configInput(siteInput({ secretKey: ADMIN_SECRET, minCustomersForScores: 5, webhooks: [{ id: 'crm', url: 'http://127.0.0.1:9/hook', events: ['customer.first_purchase'], secret: SECRET }] }));
  const collector = openTestCollector(input);
  const configPath = join(collector.dir, 'patron.config.json');
  writeFileSync(configPath, JSON.stringify(input));
  await collector.storeEvents([
    { ...purchase('order-1', 120, { visitorId: 'visitor-a' }) },
    { id: 'identify-a', type: 'identify', visitorId: 'visitor-a', sessionId: 'session-1', timestamp: Date.now(), userId: 'ada', traits: { email: 'ada@example.com', plan: 'gold' } },
    purchase('order-2', 30, { visitorId: 'visitor-b' }),
  ]);
  collector.sqlite.prepare("UPDATE profiles SET segment = 'champions', tier = 'gold' WHERE user_id = 'ada'").run();
  collector.sqlite.prepare("UPDATE profiles SET segment = 'new', tier = 'bronze' WHERE user_id IS NULL").run();
  return { collector, data: ['--db', collector.dbPath, '--config', configPath] };
}

describe('patron webhooks test', () => {
  it('sends a signed sample', async () => {
    const receiver = await startReceiver(SECRET);

    const result = await runPatron('webhooks', 'test', `${receiver.url}/hook`, '--secret', SECRET, '--event', 'customer.lapsing');

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('answered 200');
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]?.signatureValid).toBe(true);
    expect(receiver.received[0]?.event).toBe('customer.lapsing');
  });

  it('reports a refused connection', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));

    const result = await runPatron('webhooks', 'test', `http://127.0.0.1:${port}/hook`, '--secret', SECRET);

    expect(result.code).toBe(1);
    expect(result.stdout).toContain('failed: request failed: ECONNREFUSED');
  });

  it('rejects an unknown event', async () => {
    const result = await runPatron('webhooks', 'test', 'http://127.0.0.1:9/hook', '--secret', SECRET, '--event', 'cart.left');

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--event must be one of cart.abandoned');
  });
});

describe('patron webhooks list and replay', () => {
  it('replays failed deliveries', async () => {
    const { collector, data } = await openShop();
    collector.sqlite.prepare("UPDATE webhook_deliveries SET status = 'failed', last_error = 'timed out after 10000 ms'").run();

    const listed = await runPatron('webhooks', 'list', '--status', 'failed', ...data);
    const replayed = await runPatron('webhooks', 'replay', '--failed', ...data);

    expect(listed.stdout).toContain('timed out after 10000 ms');
    expect(replayed.stdout).toContain('Replayed 2 deliveries');
    expect(collector.rows<{ status: string }>('SELECT status FROM webhook_deliveries').map((row) => row.status)).toEqual(['pending', 'pending']);
  });
});

describe('patron export audience', () => {
  it('writes a segment as CSV', async () => {
    const { data } = await openShop();

    const result = await runPatron('export', 'audience', '--segment', 'champions', ...data);

    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toEqual([
      'customer_id,user_id,email,segment,tier,orders,revenue,last_order_at,predicted_value,currency',
      expect.stringMatching(/^u:ada,ada,ada@example\.com,champions,gold,1,120,\d{4}-\d\d-\d\dT[\d:.]+Z,,GBP$/),
    ]);
  });

  it('writes everyone as JSON', async () => {
    const { data } = await openShop();

    const result = await runPatron('export', 'audience', '--format', 'json', ...data);
    const rows = JSON.parse(result.stdout) as Array<{ customer_id: string; email: string | null }>;

    expect(rows.map((row) => [row.customer_id, row.email])).toEqual([
      ['u:ada', 'ada@example.com'],
      ['v:visitor-b', null],
    ]);
  });

  it('rejects an unknown segment', async () => {
    const { data } = await openShop();

    const result = await runPatron('export', 'audience', '--segment', 'vips', ...data);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--segment');
  });
});
