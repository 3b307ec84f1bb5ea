import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { Db } from '../db/open.js';
import { scoreSites, type ScoringSite, type ScoringWorkerData, type ScoringWorkerMessage, type SentError } from './scoring.js';

/** Customer scores and value predictions are recomputed this often while the collector runs, and once at start. */
export const SCORING_INTERVAL_MS = 60 * 60 * 1000;
/**
 * busy_timeout of the scoring worker's connection. Nothing waits for the worker, so its writes may
 * wait long for the lock, for example while an import holds it.
 */
export const SCORING_BUSY_TIMEOUT_MS = 30_000;

export interface ScoringOptions {
  /** The serving connection, used when scoring runs inline. */
  db: Db;
  /** The database file, which the worker opens with a connection of its own. */
  dbPath: string;
  sites: readonly ScoringSite[];
  logger: Logger;
  /** Called after a run that enqueued webhook deliveries, to send them without waiting for the next poll. */
  onDeliveries(): void;
  intervalMs?: number;
  /**
   * The worker's script, or null to run scoring inline on this thread. Defaults to
   * `defaultScoringWorker(dbPath)`.
   */
  worker?: URL | null;
}

export interface ScoringSchedule {
  /** Resolves when the first run has finished, whether it succeeded or failed. */
  firstRun: Promise<void>;
  /** Stops the schedule, ends a run in progress and waits for its worker to exit. */
  stop(): Promise<void>;
}

/**
 * Returns the script of the scoring worker, which the build puts next to the bundle
 * (dist/scoring-worker.js). Returns null, for scoring inline, when the collector runs from its
 * TypeScript sources, as in its tests, since Node 20 cannot load TypeScript in a worker, and for an
 * in-memory database, which no other connection can open.
 */
export function defaultScoringWorker(dbPath: string): URL | null {
  if (dbPath === ':memory:' || import.meta.url.endsWith('.ts')) return null;
  return new URL('./scoring-worker.js', import.meta.url);
}

/**
 * Scores every site now and then every `intervalMs`, in a worker thread with its own connection
 * so that the event loop keeps serving requests meanwhile. WAL lets the worker read while this
 * thread writes. The worker writes in short transactions (see `writeInChunks`), so ingestion waits
 * for its lock only briefly. A run that is still going when the next is due makes that one skip.
 * A run's failures are logged, not thrown. Inline, the run starts on the next turn of the event
 * loop and blocks it while it runs.
 */
export function startScoring(options: ScoringOptions): ScoringSchedule {
  const { db, dbPath, sites, logger, onDeliveries } = options;
  const script = options.worker === undefined ? defaultScoringWorker(dbPath) : options.worker;
  let stopped = false;
  let running: Promise<void> | undefined;
  let worker: Worker | undefined;
  let cancel: (() => void) | undefined;

  let started = 0;
  const finish = (deliveries: number) => {
    logger.info({ elapsedMs: Math.round(performance.now() - started), deliveries, sites: sites.length }, 'scoring run finished');
    if (deliveries > 0 && !stopped) onDeliveries();
  };

  const runInline = () =>
    new Promise<void>((resolve) => {
      const immediate = setImmediate(() => {
        cancel = undefined;
        finish(scoreSites(db, sites, logger));
        resolve();
      });
      cancel = () => {
        clearImmediate(immediate);
        resolve();
      };
    });

  const runInWorker = (url: URL) =>
    new Promise<void>((resolve) => {
      const workerData: ScoringWorkerData = { dbPath, sites: [...sites], busyTimeoutMs: SCORING_BUSY_TIMEOUT_MS };
      let failed = false;
      let finished = false;
      try {
        worker = new Worker(url, { workerData });
      } catch (error) {
        logger.error({ err: error, worker: url.href }, 'scoring customers failed: the scoring worker did not start');
        resolve();
        return;
      }
      worker.on('message', (message: ScoringWorkerMessage) => {
        if (message.type === 'done') {
          finished = true;
          finish(message.deliveries);
        } else if (message.level === 'info') {
          logger.info(message.fields, message.message);
        } else {
          logger.error({ ...message.fields, err: message.error && receivedError(message.error) }, message.message);
        }
      });
      worker.on('error', (error) => {
        failed = true;
        logger.error({ err: error }, 'scoring customers failed');
      });
      worker.once('exit', (code) => {
        worker = undefined;
        if (!finished && !failed && !stopped) logger.error({ code }, `scoring customers failed: the scoring worker exited with code ${code} before it finished`);
        resolve();
      });
    });

  const run = () => {
    if (running || stopped) return running ?? Promise.resolve();
    started = performance.now();
    running = (script ? runInWorker(script) : runInline()).finally(() => {
      running = undefined;
    });
    return running;
  };

  const firstRun = run();
  const timer = setInterval(run, options.intervalMs ?? SCORING_INTERVAL_MS);
  timer.unref();
  return {
    firstRun,
    async stop() {
      stopped = true;
      clearInterval(timer);
      cancel?.();
      // NOTE: terminate() takes effect when the worker's current SQLite call returns, which may be
      // a wait for the write lock of up to SCORING_BUSY_TIMEOUT_MS.
      await worker?.terminate();
      await running;
    },
  };
}

/** Rebuilds an error sent by the worker, so that the logger prints it as it prints any error. */
function receivedError(sent: SentError): Error {
  const error = new Error(sent.message);
  error.name = sent.name;
  if (sent.stack !== undefined) error.stack = sent.stack;
  if (sent.code !== undefined) Object.assign(error, { code: sent.code });
  return error;
}
