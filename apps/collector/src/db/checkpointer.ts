import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { Db } from './open.js';

/** SQLite's default `wal_autocheckpoint`: the committing connection checkpoints once the WAL passes this many pages. */
const AUTOCHECKPOINT_PAGES = 1000;
/** Bytes the WAL file is cut back to after a checkpoint, so one burst of writes does not keep a large file. */
const WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;
/**
 * WAL frames past which the worker restarts the WAL. A passive checkpoint never lets the WAL start
 * over while the serving connection keeps committing, so under steady traffic the file would grow
 * without bound, and every page read searches a longer WAL index.
 */
const RESTART_FRAMES = 4096;
/**
 * How long a restarting checkpoint waits for the write lock and for readers. The serving connection
 * cannot commit while the restart holds the lock, so the wait is short. A restart that times out
 * is tried again at the next interval.
 */
const RESTART_BUSY_TIMEOUT_MS = 100;

// Runs in the worker as CommonJS, with its own connection. Each interval it first checkpoints
// passively: frames are copied into the database while the serving connection keeps writing, and
// nothing waits for it. Once the WAL has grown past RESTART_FRAMES, a RESTART checkpoint follows.
// It copies the few frames committed since, and it makes the serving connection's next commit
// write the WAL from its start. That commit also cuts the file to the journal_size_limit which
// the serving connection sets.
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 5000');
const checkpoint = () => {
  try {
    let [result] = db.pragma('wal_checkpoint(PASSIVE)');
    // A passive checkpoint that could not copy every frame was held back by a reader of an older
    // snapshot. A restart would wait for that reader while it blocks the serving connection's
    // commits, so it waits for a later interval.
    if (result.log > workerData.restartFrames && result.checkpointed === result.log) {
      db.pragma('busy_timeout = ' + workerData.restartBusyTimeoutMs);
      try {
        [result] = db.pragma('wal_checkpoint(RESTART)');
      } finally {
        db.pragma('busy_timeout = 5000');
      }
    }
    parentPort.postMessage({ result });
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message || error) });
  }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.close();
});
parentPort.postMessage({ ready: true });
`;

export interface CheckpointerOptions {
  /** Milliseconds between checkpoints. */
  intervalMs?: number;
  /** WAL frames past which a checkpoint also restarts the WAL. */
  restartFrames?: number;
}

export interface Checkpointer {
  /** Runs a last checkpoint and stops the worker. */
  stop(): Promise<void>;
}

interface CheckpointResult {
  busy: number;
  log: number;
  checkpointed: number;
}

/**
 * Moves WAL checkpoints off the event loop. SQLite runs a checkpoint inside the COMMIT that takes
 * the WAL past 1,000 pages, and that COMMIT then copies pages and syncs the database file on the
 * request's thread. Here a worker thread checkpoints every `intervalMs` from its own connection,
 * restarting the WAL once it passes `restartFrames`, and the serving connection no longer
 * checkpoints. When the worker fails, the serving connection
 * checkpoints as before.
 */
export function startCheckpointer(db: Db, path: string, logger: Logger, { intervalMs = 1000, restartFrames = RESTART_FRAMES }: CheckpointerOptions = {}): Checkpointer {
  const connection = db.$client;
  connection.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(workerSource, { eval: true, workerData: { path, driver, intervalMs, restartFrames, restartBusyTimeoutMs: RESTART_BUSY_TIMEOUT_MS } });
  let failed = false;
  let stopping = false;
  const fallBack = (error: unknown) => {
    if (failed) return;
    failed = true;
    if (connection.open) connection.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
    logger.error({ err: error, db: path }, 'the checkpoint worker failed, so the serving connection checkpoints the WAL itself');
  };

  worker.on('message', (message: { ready?: true; result?: CheckpointResult; error?: string }) => {
    if (message.ready && !failed) connection.pragma('wal_autocheckpoint = 0');
    if (message.error) logger.warn({ db: path, error: message.error }, 'a WAL checkpoint failed, and the worker tries again at its next interval');
  });
  worker.on('error', fallBack);
  worker.unref();
  const exited = new Promise<void>((resolve) =>
    worker.once('exit', (code) => {
      if (!stopping) fallBack(new Error(`the checkpoint worker exited with code ${code}`));
      resolve();
    }),
  );

  return {
    async stop() {
      stopping = true;
      // Referenced again, the worker keeps the process alive until it has run its last checkpoint.
      worker.ref();
      if (!failed) worker.postMessage('stop');
      await exited;
    },
  };
}
