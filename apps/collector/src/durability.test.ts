import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { makeTempDir } from './test/harness.js';
import { spawnCollector } from './test/spawn.js';

const batchOf = (count: number) =>
  Array.from({ length: count }, () => ({
    id: randomUUID(),
    type: 'page_view',
    visitorId: `v-${randomUUID().slice(0, 8)}`,
    sessionId: 's-1',
    timestamp: Date.now(),
  }));

describe('durability', () => {
  it('keeps every acknowledged event through SIGKILL, once', { timeout: 120_000 }, async () => {
    const dir = makeTempDir();
    const dbPath = join(dir, 'patron.db');
    const configPath = join(dir, 'config.json');
    writeFileSync(configPath, JSON.stringify({ sites: [{ key: 'load-shop' }] }));

    const acknowledged = new Set<string>();
    // Batches not yet acknowledged; the client sends them again, with the same ids, until one is.
    let unacknowledged: Array<ReturnType<typeof batchOf>> = [];
    let collector = await spawnCollector(dbPath, configPath);

    const send = async (events: ReturnType<typeof batchOf>) => {
      try {
        const response = await fetch(`${collector.url}/v1/events`, {
          method: 'POST',
          headers: { 'Content-Type': 'text/plain' },
          body: JSON.stringify({ siteKey: 'load-shop', sentAt: Date.now(), events }),
        });
        if (response.status === 200) {
          for (const event of events) acknowledged.add(event.id);
          return true;
        }
      } catch {
        // The collector was killed mid-request: the batch is retried.
      }
      return false;
    };

    for (let kill = 0; kill < 8; kill++) {
      const until = Date.now() + 300 + Math.random() * 500;
      const senders = Array.from({ length: 8 }, async () => {
        while (Date.now() < until) {
          const events = unacknowledged.pop() ?? batchOf(1 + Math.floor(Math.random() * 20));
          if (!(await send(events))) unacknowledged.push(events);
        }
      });
      // Kill while requests are in flight, then wait for the senders to notice.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, until - Date.now() - 50)));
      const exited = new Promise((resolve) => collector.child.once('exit', resolve));
      collector.child.kill('SIGKILL');
      await exited;
      await Promise.all(senders);
      collector = await spawnCollector(dbPath, configPath);
    }
    // Retry what is left, as the tracker does, against the last collector.
    for (const events of unacknowledged) expect(await send(events)).toBe(true);
    const stopped = new Promise((resolve) => collector.child.once('exit', resolve));
    collector.child.kill('SIGTERM');
    await stopped;

    const db = new Database(dbPath, { readonly: true });
    const stored = db.prepare('SELECT id FROM events').all() as Array<{ id: string }>;
    const profiles = db.prepare('SELECT count(*) AS n FROM profiles').get() as { n: number };
    db.close();
    const storedIds = new Set(stored.map((row) => row.id));

    expect(acknowledged.size).toBeGreaterThan(100);
    expect([...acknowledged].filter((id) => !storedIds.has(id))).toEqual([]);
    expect(stored.length).toBe(acknowledged.size);
    expect(profiles.n).toBe(acknowledged.size);
  });
});
