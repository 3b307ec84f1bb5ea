import { execFile } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { makeTempDir } from '../test/harness.js';

const bin = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'patron.js');
const migrate = (dbPath: string) => promisify(execFile)(process.execPath, [bin, 'migrate', '--db', dbPath]);

/** The migrations recorded in the database and its tables, to compare two runs. */
function schemaOf(dbPath: string) {
  const db = new Database(dbPath, { readonly: true });
  const applied = db.prepare('SELECT hash FROM __drizzle_migrations ORDER BY id').all();
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type IN ('table', 'index') ORDER BY name").all();
  db.close();
  return { applied, tables };
}

describe('patron migrate', () => {
  it('changes nothing the second time', async () => {
    const dbPath = join(makeTempDir(), 'patron.db');

    await migrate(dbPath);
    const first = schemaOf(dbPath);
    const second = await migrate(dbPath);

    expect(second.stdout).toContain('is up to date');
    expect(schemaOf(dbPath)).toEqual(first);
  });

  it('survives runs at the same time', { timeout: 30_000 }, async () => {
    const dbPath = join(makeTempDir(), 'patron.db');
    const reference = join(makeTempDir(), 'reference.db');
    await migrate(reference);

    const runs = await Promise.allSettled([migrate(dbPath), migrate(dbPath), migrate(dbPath)]);

    expect(runs.map((run) => run.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    expect(schemaOf(dbPath)).toEqual(schemaOf(reference));
  });
});
