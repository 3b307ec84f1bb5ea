import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import * as schema from './schema.js';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

/**
 * Options for `db.transaction` that begin it IMMEDIATE, taking the write lock before the first
 * read. A transaction that reads first and requests the lock later gets SQLITE_BUSY at once,
 * without waiting out busy_timeout, while another connection holds the lock, as the checkpoint
 * worker does while it restarts the WAL.
 */
export const IMMEDIATE = { behavior: 'immediate' } as const;

/** A database or an open transaction on it: code that writes within a caller's transaction takes this. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0] | Db;

/**
 * Opens (and creates) the SQLite file at `path` and applies pending migrations.
 *
 * WAL lets readers work while a request writes, and `synchronous = FULL` makes every committed
 * transaction survive a power cut, which an event acknowledged with 2xx must.
 */
export function openDatabase(path: string): Db {
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
  const sqlite = new Database(path);
  // Another process may be opening or migrating the same file: wait for its locks while setting up.
  sqlite.pragma('busy_timeout = 30000');
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');

  const db = drizzle(sqlite, { schema });
  migrateWithRetries(db);
  // better-sqlite3 waits for a lock synchronously, stalling every request, so the wait is short
  // and a request that still finds the database locked gets 503 with Retry-After.
  sqlite.pragma('busy_timeout = 1000');
  return db;
}

/**
 * Applies pending migrations, trying again when another process migrated the file at the same
 * time. Drizzle reads which migrations ran before it opens its transaction, so two processes can
 * both try the same migration. The later one fails and rolls back whole, and its next attempt
 * finds the migration applied.
 */
function migrateWithRetries(db: Db, attempts = 5): void {
  for (let attempt = 1; ; attempt++) {
    try {
      migrate(db, { migrationsFolder: migrationsFolder() });
      return;
    } catch (error) {
      if (attempt >= attempts) throw error;
      // A synchronous pause of 50 to 250 ms, since opening the database is synchronous.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50 + Math.random() * 200);
    }
  }
}

/** Finds the `drizzle` folder of this package, from the source tree as well as from the bundle in dist/. */
function migrationsFolder(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 4; depth++) {
    const candidate = join(dir, 'drizzle');
    if (existsSync(join(candidate, 'meta', '_journal.json'))) return candidate;
    dir = dirname(dir);
  }
  throw new Error(`Cannot find the migrations folder "drizzle" above ${fileURLToPath(import.meta.url)}; reinstall @patron/collector`);
}
