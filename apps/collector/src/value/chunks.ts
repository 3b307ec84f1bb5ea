import type { Db } from '../db/open.js';

/**
 * Rows one write transaction of scoring changes at most. Scoring can run beside ingestion, which
 * waits for the write lock, so each transaction must be short: 500 updates by primary key took a
 * few milliseconds on a database with a million profiles.
 */
export const ROWS_PER_TRANSACTION = 500;

/**
 * Runs `write` for every row, `ROWS_PER_TRANSACTION` rows to a transaction. Each transaction
 * begins IMMEDIATE, so it waits for the write lock (up to the connection's busy_timeout) before it
 * reads anything and cannot fail on a snapshot that another connection made stale. Inside an
 * outer transaction, the chunks are savepoints of it.
 */
export function writeInChunks<Row>(db: Db, rows: readonly Row[], write: (row: Row) => void): void {
  const writeChunk = db.$client.transaction((chunk: readonly Row[]) => {
    for (const row of chunk) write(row);
  });
  for (let start = 0; start < rows.length; start += ROWS_PER_TRANSACTION) {
    writeChunk.immediate(rows.slice(start, start + ROWS_PER_TRANSACTION));
  }
}

/** Runs `write` in a transaction of its own that begins IMMEDIATE, as the chunks of `writeInChunks` do. */
export function writeImmediately<Result>(db: Db, write: () => Result): Result {
  return db.$client.transaction(write).immediate();
}
