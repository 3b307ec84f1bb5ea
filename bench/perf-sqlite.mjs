// The baseline for batch ingestion: a bare better-sqlite3 loop that inserts the rows the collector
// would store for batches of page views into the collector's own `events` table, one transaction
// per batch, with the collector's settings (WAL, synchronous = FULL). Also prices the collector's
// way of writing a profile back against writing only the columns that changed.
import { copyFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { SITE_KEY, pageViewEvent, pickVisitor } from './perf-data.mjs';

const root = new URL('..', import.meta.url).pathname;

const insertSql = `INSERT INTO events (site_key, id, type, name, visitor_id, session_id, user_id, occurred_at, client_time, received_at,
    url, referrer, title, transaction_id, currency, value, items, data)
  VALUES (?, ?, ?, NULL, ?, ?, NULL, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, NULL, NULL)`;

/**
 * Inserts batches of `rowsPerTransaction` page-view rows into a new database at `dbPath` for
 * `seconds`, and returns the rows stored per second. The database is created by the collector's
 * openDatabase, so it has the collector's schema, indexes and pragmas.
 */
export async function bareInsertLoop({ dbPath, rowsPerTransaction, seconds, population }) {
  const { openDatabase } = await import(pathToFileURL(join(root, 'apps/collector/dist/index.js')).href);
  const db = openDatabase(dbPath).$client;
  if (db.pragma('synchronous', { simple: true }) !== 2) throw new Error('openDatabase no longer sets synchronous = FULL; the baseline would not match the collector');
  const insert = db.prepare(insertSql);
  const insertBatch = db.transaction((rows) => {
    for (const row of rows) insert.run(row);
  });

  let rows = 0;
  let transactions = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  // Making each batch's rows counts in the time, but it takes microseconds next to the commit's fsync.
  while (performance.now() < deadline) {
    const visitor = pickVisitor(population);
    const now = Date.now();
    const batch = [];
    for (let index = 0; index < rowsPerTransaction; index++) {
      const event = pageViewEvent(visitor, now);
      batch.push([SITE_KEY, event.id, event.type, event.visitorId, event.sessionId, event.timestamp, event.timestamp, now, event.url, event.referrer, event.title]);
    }
    insertBatch(batch);
    rows += rowsPerTransaction;
    transactions++;
  }
  const elapsed = (performance.now() - started) / 1000;
  db.close();
  return { rowsPerSecond: rows / elapsed, transactionsPerSecond: transactions / elapsed, rows, seconds: elapsed };
}

/** Bytes of one WAL frame: a 24-byte header and a page of the collector's 4,096-byte pages. */
const WAL_FRAME_BYTES = 24 + 4096;

/**
 * Updates `updates` random profiles of a copy of `dbPath`, 30 to a transaction as a group commit
 * stores them. It does so twice: writing every column back, as applyEvent in
 * apps/collector/src/profiles/apply.ts does, then writing only the two columns a page view changes.
 * Returns the WAL frames (pages written) and milliseconds per update of each way.
 */
export function profileUpdateCost({ dbPath, copyPath, siteKey, updates = 3000 }) {
  const Database = createRequire(join(root, 'apps/collector/package.json'))('better-sqlite3');
  const results = {};
  for (const way of ['every column', 'changed columns']) {
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${copyPath}${suffix}`, { force: true });
    copyFileSync(dbPath, copyPath);
    const db = new Database(copyPath);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    // No checkpoints, so that the WAL's size counts every page written.
    db.pragma('wal_autocheckpoint = 0');
    const columns = db.prepare('PRAGMA table_info(profiles)').all().map((column) => column.name);
    const ids = db.prepare('SELECT id FROM profiles WHERE site_key = ? ORDER BY random() LIMIT ?').all(siteKey, updates).map((row) => row.id);
    const read = db.prepare('SELECT * FROM profiles WHERE site_key = ? AND id = ?');
    const everyColumn = db.prepare(`UPDATE profiles SET ${columns.map((column) => `"${column}" = @${column}`).join(', ')} WHERE site_key = @site_key AND id = @id`);
    const changedColumns = db.prepare('UPDATE profiles SET last_seen = @last_seen, page_views = @page_views WHERE site_key = @site_key AND id = @id');
    const updateGroup = db.transaction((group) => {
      for (const id of group) {
        const profile = read.get(siteKey, id);
        profile.last_seen = Date.now();
        profile.page_views++;
        if (way === 'every column') everyColumn.run(profile);
        else changedColumns.run({ site_key: siteKey, id, last_seen: profile.last_seen, page_views: profile.page_views });
      }
    });

    const started = performance.now();
    for (let offset = 0; offset < ids.length; offset += 30) updateGroup(ids.slice(offset, offset + 30));
    const elapsed = performance.now() - started;
    const frames = statSync(`${copyPath}-wal`).size / WAL_FRAME_BYTES;
    db.close();
    results[way] = { framesPerUpdate: frames / ids.length, msPerUpdate: elapsed / ids.length };
  }
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${copyPath}${suffix}`, { force: true });
  return results;
}
