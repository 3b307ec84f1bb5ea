import { closeSync, mkdirSync, openSync, readSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';

/** A second collector was started on a database file that a running collector uses. */
export class DatabaseInUseError extends Error {
  override name = 'DatabaseInUseError';
}

export interface ServerLock {
  /** The lock file, `<database>.lock`. */
  path: string;
  /** Releases the lock. The file stays, because deleting it could let two collectors lock two different files of that name. */
  release(): void;
}

/**
 * Takes the lock that only one `patron serve` per database file may hold, or throws
 * {@link DatabaseInUseError}. The lock is SQLite's own lock on a small separate database,
 * `<database>.lock`. With `locking_mode = EXCLUSIVE`, the connection keeps the exclusive lock of
 * its first write until it is closed. SQLite takes that lock with fcntl() on Unix, which the
 * kernel releases when the process ends in any way, SIGKILL included, so a crashed collector
 * leaves no stale lock behind. The database itself is not locked, so the admin commands, such as
 * `patron backup`, keep working while the collector runs. The lock connection stores the pid of
 * its process as the lock file's `user_version`, for the error of the next collector.
 *
 * NOTE: fcntl() locks may not work on a network file system (NFS, SMB), and there this check may
 * let two collectors in.
 */
export function lockServerDatabase(databasePath: string): ServerLock {
  const path = `${databasePath}.lock`;
  if (databasePath === ':memory:') return { path, release: () => {} };

  mkdirSync(dirname(resolve(path)), { recursive: true });
  // With timeout 0, a lock held by another collector fails at once, not after better-sqlite3's default wait of 5 s.
  const connection = new Database(path, { timeout: 0 });
  try {
    connection.pragma('locking_mode = EXCLUSIVE');
    // The lock database holds no data, so it needs no journal file beside it.
    connection.pragma('journal_mode = MEMORY');
    connection.exec('BEGIN EXCLUSIVE');
    connection.pragma(`user_version = ${process.pid}`);
    connection.exec('COMMIT');
  } catch (error) {
    connection.close();
    if (!isLockedError(error)) throw error;
    throw inUseError(databasePath, path);
  }
  return { path, release: () => connection.close() };
}

function isLockedError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}

function inUseError(databasePath: string, lockPath: string): DatabaseInUseError {
  const pid = readLockOwner(lockPath);
  const owner = pid === undefined ? 'another running collector' : `another running collector (pid ${pid})`;
  return new DatabaseInUseError(
    `The database ${databasePath} is already in use by ${owner}, which holds the lock ${lockPath}. ` +
      'Two collectors on one file would both run the background jobs and could send each webhook twice. ' +
      'Stop the other collector, or start this one with another --db.',
  );
}

/**
 * Returns the pid that the lock's holder stored as `user_version`, read from bytes 60 to 63 of the
 * SQLite file header (big-endian), or undefined when the header has none. The lock is advisory,
 * so plain reads of the file still work while another process holds it.
 */
function readLockOwner(lockPath: string): number | undefined {
  const header = Buffer.alloc(64);
  let read: number;
  try {
    const fd = openSync(lockPath, 'r');
    try {
      read = readSync(fd, header, 0, header.length, 0);
    } finally {
      closeSync(fd);
    }
  } catch {
    // The pid is only extra detail for the message, so a file that cannot be read leaves it out.
    return undefined;
  }
  if (read < 64 || header.toString('latin1', 0, 16) !== 'SQLite format 3\0') return undefined;
  const pid = header.readUInt32BE(60);
  return pid > 0 ? pid : undefined;
}
