// Entry of the scoring worker thread (dist/scoring-worker.js): one scoring run of every site on a
// connection of its own, with its log lines and result sent to the thread that started it.
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from '../db/open.js';
import { scoreSites, type ScoringWorkerData, type ScoringWorkerMessage, type SentError } from './scoring.js';

if (!parentPort) throw new Error('scoring-worker.js runs only as a worker thread, started by the collector');
const port = parentPort;
const { dbPath, sites, busyTimeoutMs } = workerData as ScoringWorkerData;
const send = (message: ScoringWorkerMessage) => port.postMessage(message);

function sentError(error: unknown): SentError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  return { name: error.name, message: error.message, stack: error.stack, code: (error as { code?: unknown }).code };
}

const db = openDatabase(dbPath);
try {
  db.$client.pragma(`busy_timeout = ${busyTimeoutMs}`);
  const deliveries = scoreSites(db, sites, {
    info: (fields, message) => send({ type: 'log', level: 'info', fields, message }),
    error: ({ err, ...fields }, message) => send({ type: 'log', level: 'error', fields, error: sentError(err), message }),
  });
  send({ type: 'done', deliveries });
} finally {
  db.$client.close();
}
