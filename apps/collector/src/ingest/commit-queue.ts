import type { BatchResult } from '@patron/protocol';
import type { Db, Tx } from '../db/open.js';
import { storeBatch, type IncomingBatch, type StoreSite } from './store.js';

interface WaitingBatch {
  kind: 'batch';
  site: StoreSite;
  batch: IncomingBatch;
  receivedAt: number;
  resolve: (result: BatchResult) => void;
  reject: (error: unknown) => void;
}

interface DeferredWrite {
  kind: 'write';
  write: (tx: Tx) => void;
  key: string | undefined;
}

type Waiting = WaitingBatch | DeferredWrite;

const isBusy = (error: unknown) => (error as { code?: string }).code === 'SQLITE_BUSY';

/**
 * Group commit: batches that arrive in the same turn of the event loop are stored in one
 * transaction, so many requests share one fsync, and each request's promise settles only after
 * that commit. Each batch runs in its own savepoint, so a batch that throws is rolled back and
 * rejected alone; a locked database rejects the whole group, which then stored nothing.
 *
 * Deferred writes, such as offer decisions, join the same transactions in the order they were
 * queued, and no request waits for them. A group of deferred writes alone commits without waiting for
 * the disk (`synchronous = NORMAL`), because no client was promised that data.
 */
export class CommitQueue {
  private waiting: Waiting[] = [];
  private scheduled = false;
  /** Keys of the deferred writes not yet committed, with their counts. */
  private pendingKeys = new Map<string, number>();

  /**
   * Runs a function in a transaction, or in a savepoint when one is open. better-sqlite3 caches
   * the statements that begin and end it, where drizzle's transactions compile them on every call.
   */
  private readonly inTransaction: <T>(run: () => T) => T;

  constructor(
    private readonly db: Db,
    /** Maximum number of batches and writes in one transaction, which bounds how long one commit blocks the event loop. */
    private readonly maxBatches = 256,
    /** Receives the error of a deferred write that failed, which is then lost. */
    private readonly onDeferredError: (error: unknown) => void = () => {},
  ) {
    // IMMEDIATE for the reason given at IMMEDIATE in db/open.ts. Nested calls are savepoints.
    const transaction = db.$client.transaction((run: () => unknown) => run());
    this.inTransaction = <T>(run: () => T) => transaction.immediate(run) as T;
  }

  store(site: StoreSite, batch: IncomingBatch, receivedAt: number): Promise<BatchResult> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ kind: 'batch', site, batch, receivedAt, resolve, reject });
      this.schedule();
    });
  }

  /**
   * Queues a write for the next group's transaction, where it runs in a savepoint of its own.
   * `key` names what the write changes, so that a reader can ask whether it is still pending.
   */
  defer(write: (tx: Tx) => void, key?: string): void {
    this.waiting.push({ kind: 'write', write, key });
    if (key !== undefined) this.pendingKeys.set(key, (this.pendingKeys.get(key) ?? 0) + 1);
    this.schedule();
  }

  /** Returns whether a deferred write with this key is not yet committed. */
  isPending(key: string): boolean {
    return this.pendingKeys.has(key);
  }

  /** Commits every waiting batch and write now, instead of in the next turn of the event loop. */
  flush(): void {
    while (this.waiting.length > 0) this.commit();
  }

  private release(key: string): void {
    const count = this.pendingKeys.get(key)!;
    if (count > 1) this.pendingKeys.set(key, count - 1);
    else this.pendingKeys.delete(key);
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.commit();
    });
  }

  private commit(): void {
    const group = this.waiting.splice(0, this.maxBatches);
    // A flush may have emptied the queue before this turn came.
    if (group.length === 0) return;
    if (this.waiting.length > 0) this.schedule();
    for (const item of group) {
      if (item.kind === 'write' && item.key !== undefined) this.release(item.key);
    }
    const outcomes: Array<{ result?: BatchResult } | { error: unknown }> = [];
    const durable = group.some((item) => item.kind === 'batch');
    const connection = this.db.$client;
    if (!connection.open) {
      // The database was closed before this turn came, as when the collector stops.
      const error = new Error('the database is closed, so the waiting batches and writes were not stored');
      for (const item of group) {
        if (item.kind === 'batch') item.reject(error);
        else this.onDeferredError(error);
      }
      return;
    }
    if (!durable) connection.pragma('synchronous = NORMAL');
    try {
      this.inTransaction(() => {
        for (const item of group) {
          try {
            // Nested in the group's transaction, this runs in a savepoint.
            if (item.kind === 'batch') outcomes.push({ result: this.inTransaction(() => storeBatch(this.db, item.site, item.batch, item.receivedAt)) });
            else outcomes.push({ result: this.inTransaction(() => void item.write(this.db)) });
          } catch (error) {
            if (isBusy(error)) throw error;
            outcomes.push({ error });
          }
        }
      });
    } catch (error) {
      for (const item of group) {
        if (item.kind === 'batch') item.reject(error);
        else this.onDeferredError(error);
      }
      return;
    } finally {
      if (!durable) connection.pragma('synchronous = FULL');
    }
    group.forEach((item, index) => {
      const outcome = outcomes[index]!;
      if (item.kind === 'write') {
        if ('error' in outcome) this.onDeferredError(outcome.error);
      } else if ('error' in outcome) item.reject(outcome.error);
      else item.resolve(outcome.result!);
    });
  }
}
