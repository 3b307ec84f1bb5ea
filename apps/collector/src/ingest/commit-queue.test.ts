import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openTestCollector, pageView } from '../test/harness.js';
import { CommitQueue } from './commit-queue.js';

const site = { key: 'test-shop', currency: 'GBP', webhooks: [], offers: [], offerSettings: { attributionDays: 7 } } as never;
const batchOf = (...events: unknown[]) => ({ sentAt: Date.now(), events });

describe('CommitQueue', () => {
  it('commits one turn in one transaction', async () => {
    const collector = openTestCollector();
    const queue = new CommitQueue(collector.db);
    let transactions = 0;
    const original = collector.db.transaction.bind(collector.db);
    collector.db.transaction = ((callback: never) => {
      transactions++;
      return original(callback);
    }) as typeof collector.db.transaction;

    const results = await Promise.all(Array.from({ length: 40 }, () => queue.store(site, batchOf(pageView({ id: randomUUID() })), Date.now())));

    expect(transactions).toBe(1);
    expect(results.every((result) => result.accepted === 1)).toBe(true);
    expect(collector.rows('SELECT id FROM events')).toHaveLength(40);
  });

  it('splits a long queue into groups', async () => {
    const collector = openTestCollector();
    const queue = new CommitQueue(collector.db, 10);

    const results = await Promise.all(Array.from({ length: 25 }, () => queue.store(site, batchOf(pageView({ id: randomUUID() })), Date.now())));

    expect(results.filter((result) => result.accepted === 1)).toHaveLength(25);
    expect(collector.rows('SELECT id FROM events')).toHaveLength(25);
  });

  it('rejects only the batch that throws', async () => {
    const collector = openTestCollector();
    const queue = new CommitQueue(collector.db);
    const broken = { sentAt: Date.now(), get events(): unknown[] { throw new Error('broken batch'); } };

    const outcomes = await Promise.allSettled([
      queue.store(site, batchOf(pageView({ id: 'before' })), Date.now()),
      queue.store(site, broken, Date.now()),
      queue.store(site, batchOf(pageView({ id: 'after' })), Date.now()),
    ]);

    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(collector.rows<{ id: string }>('SELECT id FROM events ORDER BY id').map((row) => row.id)).toEqual(['after', 'before']);
  });

  it('counts a repeat within a group once', async () => {
    const collector = openTestCollector();
    const queue = new CommitQueue(collector.db);
    const event = pageView({ id: 'same' });

    const [first, second] = await Promise.all([queue.store(site, batchOf(event), Date.now()), queue.store(site, batchOf(event), Date.now())]);

    expect(first?.accepted).toBe(1);
    expect(second?.duplicates).toBe(1);
  });
});
