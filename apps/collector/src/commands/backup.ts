import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { serveDefaults, SettingsError } from '../config/settings.js';

export const backupHelp = `Usage: patron backup <file> [--db <path>] [--force]

Writes a consistent copy of the collector's SQLite database to <file>, with SQLite's online backup,
while the collector keeps running. The copy is one self-contained file: to restore it, stop the
collector, put the copy in place of the database, delete the database's -wal and -shm files, and
start the collector.

  --db <path>   database to copy (default: PATRON_DB, else ${serveDefaults.db})
  --force       replace <file> when it exists
`;

export interface BackupResult {
  /** Size of the copy, in bytes. */
  bytes: number;
  elapsedMs: number;
}

/** A file that is not a database that `patron migrate` or `patron serve` created. */
export class BackupError extends Error {
  override name = 'BackupError';
}

/**
 * Copies the database at `source` to `destination` with SQLite's backup API, checks the copy with
 * `PRAGMA quick_check`, and only then gives it its name. The copy is taken from one read
 * transaction, so it contains every transaction committed before the copy began and none after.
 * In WAL mode that read transaction does not block the collector's writes.
 */
export async function backupDatabase(source: string, destination: string, { force = false } = {}): Promise<BackupResult> {
  const started = performance.now();
  if (!existsSync(source)) throw new SettingsError(`Database ${source} not found; pass the collector's database with --db or PATRON_DB`);
  if (existsSync(destination) && !force) throw new SettingsError(`${destination} already exists; choose another file, or pass --force to replace it`);

  const partial = `${destination}.partial`;
  rmSync(partial, { force: true });
  const sqlite = new Database(source, { fileMustExist: true });
  try {
    // Waits for a writer that is committing, rather than failing at once.
    sqlite.pragma('busy_timeout = 5000');
    const migrated = sqlite.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'").pluck().get();
    if (migrated === 0) throw new BackupError(`${source} is not a Patron database: it has no migrations table; check the --db path`);
    // By default better-sqlite3 copies 100 pages per step, and a write by the collector between two
    // steps restarts the copy from the beginning. All pages in one step cannot be restarted.
    await sqlite.backup(partial, { progress: () => 0x7fffffff });
  } catch (error) {
    rmSync(partial, { force: true });
    if (error instanceof TypeError && /directory does not exist/.test(error.message)) {
      throw new SettingsError(`Cannot write ${destination}: its folder does not exist`);
    }
    throw error;
  } finally {
    sqlite.close();
  }

  const copy = new Database(partial, { fileMustExist: true });
  try {
    // The copy carries the source's WAL flag. Rollback mode keeps it one file, with no -wal beside it.
    copy.pragma('journal_mode = DELETE');
    const check = copy.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new BackupError(`The copy ${partial} failed SQLite's quick_check (${String(check)}); the source may be damaged, so keep the older backups`);
  } finally {
    copy.close();
  }
  renameSync(partial, destination);
  return { bytes: statSync(destination).size, elapsedMs: Math.round(performance.now() - started) };
}

/** Runs `patron backup FILE`; returns the exit code. */
export async function backupCommand(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(backupHelp);
    return 0;
  }
  let parsed: { values: { db?: string; force?: boolean }; positionals: string[] };
  try {
    parsed = parseArgs({ args, options: { db: { type: 'string' }, force: { type: 'boolean' } }, strict: true, allowPositionals: true });
  } catch (error) {
    throw new SettingsError(`${(error as Error).message}\n\n${backupHelp}`);
  }
  const [destination, ...extra] = parsed.positionals;
  if (!destination || extra.length > 0) throw new SettingsError(`Pass one file to write the backup to.\n\n${backupHelp}`);
  const source = parsed.values.db || process.env.PATRON_DB || serveDefaults.db;

  try {
    const result = await backupDatabase(source, destination, { force: parsed.values.force === true });
    const size = `${(result.bytes / 1024 / 1024).toFixed(1)} MiB (${result.bytes.toLocaleString('en')} bytes)`;
    process.stdout.write(`Backed up ${source} to ${destination}: ${size} in ${(result.elapsedMs / 1000).toFixed(2)} s. Quick check: ok.\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof BackupError)) throw error;
    process.stderr.write(`patron backup: ${error.message}\n`);
    return 1;
  }
}
