import type { BatchResult } from '@patron/protocol';
import type { Db } from '../db/open.js';
import { storeBatch, type IncomingBatch, type StoreSite } from './store.js';

interface Waiting {
  site: StoreSite;
  batch: IncomingBatch;
  receivedAt: number;
  resolve: (result: BatchResult) => void;
  reject: (error: unknown) => void;
}

const isBusy = (error: unknown) => (error as { code?: string }).code === 'SQLITE_BUSY';

/**
 * Group commit: batches that arrive in the same turn of the event loop are stored in one
 * transaction, so many requests share one fsync, and each request's promise settles only after
 * that commit. Each batch runs in its own savepoint, so a batch that throws is rolled back and
 * rejected alone; a locked database rejects the whole group, which then stored nothing.
 */
export class CommitQueue {
  private waiting: Waiting[] = [];
  private scheduled = false;

  constructor(
    private readonly db: Db,
    /** Most batches in one transaction, which bounds how long one commit holds the event loop. */
    private readonly maxBatches = 256,
  ) {}

  store(site: StoreSite, batch: IncomingBatch, receivedAt: number): Promise<BatchResult> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ site, batch, receivedAt, resolve, reject });
      this.schedule();
    });
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
    if (this.waiting.length > 0) this.schedule();
    const outcomes: Array<{ result: BatchResult } | { error: unknown }> = [];
    try {
      this.db.transaction((tx) => {
        for (const item of group) {
          try {
            outcomes.push({ result: tx.transaction((savepoint) => storeBatch(savepoint, item.site, item.batch, item.receivedAt)) });
          } catch (error) {
            if (isBusy(error)) throw error;
            outcomes.push({ error });
          }
        }
      });
    } catch (error) {
      for (const item of group) item.reject(error);
      return;
    }
    group.forEach((item, index) => {
      const outcome = outcomes[index]!;
      if ('result' in outcome) item.resolve(outcome.result);
      else item.reject(outcome.error);
    });
  }
}
