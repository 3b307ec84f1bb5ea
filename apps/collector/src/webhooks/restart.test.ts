import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { makeTempDir, purchase } from '../test/harness.js';
import { spawnCollector, stopProcess } from '../test/spawn.js';
import { startReceiver } from './test-receiver.js';

const SECRET = 'webhook-secret-of-24-chars-at-least';
const DELIVERIES = 20;

describe('webhook delivery across a crash', () => {
  it('sends every delivery after SIGKILL', { timeout: 60_000 }, async () => {
    const receiver = await startReceiver(SECRET);
    const dir = makeTempDir();
    const dbPath = join(dir, 'patron.db');
    const configPath = join(dir, 'config.json');
    const webhooks = [{ id: 'crm', url: `${receiver.url}/hook`, events: ['customer.first_purchase'], secret: SECRET }];
    writeFileSync(configPath, JSON.stringify({ sites: [{ key: 'shop', webhooks }] }));

    let collector = await spawnCollector(dbPath, configPath);
    const purchases = Array.from({ length: DELIVERIES }, (_, n) => purchase(`order-${n}`, 10, { visitorId: `visitor-${n}` }));
    const response = await fetch(`${collector.url}/v1/events`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ siteKey: 'shop', sentAt: Date.now(), events: purchases }),
    });
    expect(response.status).toBe(200);

    // Kill as soon as the first deliveries arrive, while the rest wait or are in flight.
    while (receiver.received.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await stopProcess(collector.child, 'SIGKILL');
    const beforeCrash = receiver.received.length;
    collector = await spawnCollector(dbPath, configPath);
    const until = Date.now() + 30_000;
    while (new Set(receiver.received.map((request) => request.deliveryId)).size < DELIVERIES && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await stopProcess(collector.child, 'SIGTERM');

    const db = new Database(dbPath, { readonly: true });
    const rows = db.prepare('SELECT id, status FROM webhook_deliveries').all() as Array<{ id: string; status: string }>;
    db.close();
    const arrived = new Set(receiver.received.map((request) => request.deliveryId));

    expect(beforeCrash).toBeLessThan(DELIVERIES);
    expect(rows).toHaveLength(DELIVERIES);
    expect([...arrived].sort()).toEqual(rows.map((row) => row.id).sort());
    expect(rows.every((row) => row.status === 'delivered')).toBe(true);
    // At least once: only a delivery answered just before the kill, and not yet marked, comes twice.
    expect(receiver.received.length - DELIVERIES).toBeLessThanOrEqual(4);
    expect(receiver.received.every((request) => request.signatureValid)).toBe(true);
  });
});
