import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { makeTempDir } from '../test/harness.js';
import { runPatron } from '../test/spawn.js';

const migrate = (dbPath: string) => runPatron('migrate', '--db', dbPath);

/** Reads the migrations recorded in the database and its tables, to compare two runs. */
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

    const runs = await Promise.all([migrate(dbPath), migrate(dbPath), migrate(dbPath)]);

    expect(runs.map((run) => run.code)).toEqual([0, 0, 0]);
    expect(schemaOf(dbPath)).toEqual(schemaOf(reference));
  });
});
