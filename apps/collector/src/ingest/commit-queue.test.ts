import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openTestCollector, pageView } from '../test/harness.js';
import { connectionOf } from '../db/prepared.js';
import { CommitQueue } from './commit-queue.js';

const site = { key: 'test-shop', currency: 'GBP', webhooks: [], offers: [], offerSettings: { attributionDays: 7 } } as never;
const batchOf = (...events: unknown[]) => ({ sentAt: Date.now(), events });

describe('CommitQueue', () => {
  it('commits one turn in one transaction', async () => {
    const collector = openTestCollector();
    // Counts the transactions that begin outside another one; nested ones are savepoints.
    let transactions = 0;
    const connection = collector.sqlite;
    const original = connection.transaction.bind(connection);
    connection.transaction = ((run: (...args: never[]) => unknown) => {
      const wrapped = original(run);
      const count = () => {
        if (!connection.inTransaction) transactions++;
      };
      return Object.assign(
        (...args: never[]) => {
          count();
          return wrapped(...args);
        },
        {
          immediate: (...args: never[]) => {
            count();
            return wrapped.immediate(...args);
          },
        },
      ) as typeof wrapped;
    }) as typeof connection.transaction;
    const queue = new CommitQueue(collector.db);

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

  it('runs deferred writes in the group, in order', async () => {
    const collector = openTestCollector();
    const queue = new CommitQueue(collector.db);
    const order: string[] = [];

    queue.defer(() => order.push('write 1'));
    const stored = queue.store(site, batchOf(pageView({ id: 'batch' })), Date.now()).then(() => order.push('batch settled'));
    queue.defer(() => order.push('write 2'));
    await stored;

    expect(order).toEqual(['write 1', 'write 2', 'batch settled']);
  });

  it('tracks pending keys until the commit', () => {
    const collector = openTestCollector();
    const queue = new CommitQueue(collector.db);

    queue.defer((tx) => void connectionOf(tx).prepare("INSERT INTO scoring_runs (site_key, status, customers, min_customers, computed_at) VALUES ('k', 'scored', 0, 0, 0)").run(), 'key');

    expect(queue.isPending('key')).toBe(true);
    expect(collector.rows('SELECT site_key FROM scoring_runs')).toHaveLength(0);
    queue.flush();
    expect(queue.isPending('key')).toBe(false);
    expect(collector.rows('SELECT site_key FROM scoring_runs')).toHaveLength(1);
  });

  it('reports a failed deferred write alone', async () => {
    const collector = openTestCollector();
    const errors: unknown[] = [];
    const queue = new CommitQueue(collector.db, 256, (error) => errors.push(error));

    queue.defer(() => {
      throw new Error('broken write');
    });
    const result = await queue.store(site, batchOf(pageView({ id: 'kept' })), Date.now());

    expect(result.accepted).toBe(1);
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error).message).toBe('broken write');
  });

  it('reports writes that wait when the database closes', async () => {
    const collector = openTestCollector();
    const errors: unknown[] = [];
    const queue = new CommitQueue(collector.db, 256, (error) => errors.push(error));

    queue.defer(() => {});
    const stored = queue.store(site, batchOf(pageView()), Date.now());
    collector.sqlite.close();

    await expect(stored).rejects.toThrow('the database is closed');
    expect(errors).toHaveLength(1);
  });
});
