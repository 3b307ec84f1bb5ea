import { copyFileSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it, onTestFinished } from 'vitest';
import { SITE_KEY, configInput, makeTempDir, openTestCollector, pageView } from '../test/harness.js';
import { runPatron, spawnCollector, stopProcess } from '../test/spawn.js';

const BATCH_SIZE = 20;

/** Starts the built collector on a database in a temporary folder; it is stopped when the test finishes. */
async function startShop(dir: string) {
  const dbPath = join(dir, 'patron.db');
  const configPath = join(dir, 'patron.config.json');
  writeFileSync(configPath, JSON.stringify(configInput()));
  // The writer below sends as fast as it can from one address.
  const start = () => spawnCollector(dbPath, configPath, { PATRON_RATE_LIMIT_PER_ADDRESS: '0' });
  let server = await start();
  onTestFinished(async () => {
    if (server.child.exitCode === null) await stopProcess(server.child, 'SIGTERM');
  });
  return {
    dbPath,
    get url() {
      return server.url;
    },
    async stop() {
      await stopProcess(server.child, 'SIGTERM');
    },
    async restart() {
      server = await start();
    },
  };
}

/** Sends batches of page views until stopped; `acknowledged` counts the events the collector confirmed with 200. */
function startWriter(url: string) {
  let stopped = false;
  const progress = { acknowledged: 0, batches: 0 };
  const sent: string[] = [];
  const done = (async () => {
    while (!stopped) {
      const events = Array.from({ length: BATCH_SIZE }, () => pageView());
      const response = await fetch(`${url}/v1/events`, {
        method: 'POST',
        headers: { 'Content-Type': 'text/plain' },
        body: JSON.stringify({ siteKey: SITE_KEY, sentAt: Date.now(), events }),
      });
      if (response.status !== 200) throw new Error(`POST /v1/events returned ${response.status}: ${await response.text()}`);
      progress.acknowledged += BATCH_SIZE;
      progress.batches++;
      sent.push(...events.map((event) => event.id));
    }
  })();
  return {
    progress,
    sent,
    async stop() {
      stopped = true;
      await done;
    },
  };
}

const countEvents = (path: string) => {
  const sqlite = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return sqlite.prepare('SELECT count(*) FROM events').pluck().get() as number;
  } finally {
    sqlite.close();
  }
};

describe('patron backup', () => {
  it('copies a database while the collector writes', async () => {
    const dir = makeTempDir();
    const shop = await startShop(dir);
    const writer = startWriter(shop.url);
    while (writer.progress.batches < 20) await new Promise((resolve) => setTimeout(resolve, 20));
    const backupPath = join(dir, 'backup.db');

    const acknowledgedBefore = writer.progress.acknowledged;
    const result = await runPatron('backup', backupPath, '--db', shop.dbPath);
    const acknowledgedAfter = writer.progress.acknowledged;
    const batchesBefore = writer.progress.batches;
    while (writer.progress.batches < batchesBefore + 5) await new Promise((resolve) => setTimeout(resolve, 20));
    await writer.stop();

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(acknowledgedAfter).toBeGreaterThan(acknowledgedBefore);
    expect(result.stdout).toMatch(new RegExp(`^Backed up ${shop.dbPath} to ${backupPath}: \\d+\\.\\d MiB \\([\\d,]+ bytes\\) in \\d+\\.\\d\\d s\\. Quick check: ok\\.\\n$`));
    expect(existsSync(`${backupPath}.partial`)).toBe(false);
    expect(existsSync(`${backupPath}-wal`)).toBe(false);
    const copied = countEvents(backupPath);
    expect(copied).toBeGreaterThanOrEqual(acknowledgedBefore);
    expect(copied).toBeLessThanOrEqual(acknowledgedAfter);
    // Each batch commits as a whole, so a consistent copy contains whole batches only.
    expect(copied % BATCH_SIZE).toBe(0);
    const copy = new Database(backupPath, { readonly: true });
    expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(copy.pragma('journal_mode', { simple: true })).toBe('delete');
    copy.close();
    // The copy was taken while the writer kept going, so the live database has more.
    expect(countEvents(shop.dbPath)).toBeGreaterThan(copied);
  });

  it('restores a backup with the collector stopped', async () => {
    const dir = makeTempDir();
    const shop = await startShop(dir);
    const writer = startWriter(shop.url);
    while (writer.progress.batches < 10) await new Promise((resolve) => setTimeout(resolve, 20));
    const backupPath = join(dir, 'backup.db');
    expect((await runPatron('backup', backupPath, '--db', shop.dbPath)).code).toBe(0);
    await writer.stop();
    const copied = countEvents(backupPath);

    await shop.stop();
    copyFileSync(backupPath, shop.dbPath);
    rmSync(`${shop.dbPath}-wal`, { force: true });
    rmSync(`${shop.dbPath}-shm`, { force: true });
    const migrate = await runPatron('migrate', '--db', shop.dbPath);
    await shop.restart();
    const resent = await fetch(`${shop.url}/v1/events`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain' },
      body: JSON.stringify({ siteKey: SITE_KEY, sentAt: Date.now(), events: [{ ...pageView(), id: writer.sent[0] }, pageView()] }),
    });

    expect(migrate.code).toBe(0);
    expect(migrate.stdout).toBe(`Database ${shop.dbPath} is up to date.\n`);
    expect(resent.status).toBe(200);
    expect(await resent.json()).toEqual({ accepted: 1, duplicates: 1, rejected: [] });
    await shop.stop();
    expect(countEvents(shop.dbPath)).toBe(copied + 1);
  });

  it('applies migrations to a backup', async () => {
    const dir = makeTempDir();
    const collector = openTestCollector();
    await collector.storeEvents([pageView(), pageView()]);
    const backupPath = join(dir, 'backup.db');
    expect((await runPatron('backup', backupPath, '--db', collector.dbPath)).code).toBe(0);

    const migrate = await runPatron('migrate', '--db', backupPath);

    expect(migrate.code).toBe(0);
    expect(countEvents(backupPath)).toBe(2);
  });

  it('keeps an existing file unless forced', async () => {
    const collector = openTestCollector();
    await collector.storeEvents([pageView()]);
    const backupPath = join(collector.dir, 'backup.db');
    writeFileSync(backupPath, 'an older backup');

    const rejected = await runPatron('backup', backupPath, '--db', collector.dbPath);
    const forced = await runPatron('backup', backupPath, '--db', collector.dbPath, '--force');

    expect(rejected.code).toBe(2);
    expect(rejected.stderr).toBe(`${backupPath} already exists; choose another file, or pass --force to replace it\n`);
    expect(forced.code).toBe(0);
    expect(countEvents(backupPath)).toBe(1);
  });

  it('rejects a missing database', async () => {
    const dir = makeTempDir();
    const backupPath = join(dir, 'backup.db');

    const result = await runPatron('backup', backupPath, '--db', join(dir, 'missing.db'));

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('missing.db not found');
    expect(existsSync(backupPath)).toBe(false);
  });

  it('rejects a database Patron did not create', async () => {
    const dir = makeTempDir();
    const other = join(dir, 'other.db');
    new Database(other).exec('CREATE TABLE notes (text TEXT)');
    const backupPath = join(dir, 'backup.db');

    const result = await runPatron('backup', backupPath, '--db', other);

    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`patron backup: ${other} is not a Patron database: it has no migrations table; check the --db path\n`);
    expect(existsSync(backupPath)).toBe(false);
    expect(existsSync(`${backupPath}.partial`)).toBe(false);
  });

  it('rejects a missing folder', async () => {
    const collector = openTestCollector();
    const backupPath = join(collector.dir, 'no-such-folder', 'backup.db');

    const result = await runPatron('backup', backupPath, '--db', collector.dbPath);

    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`Cannot write ${backupPath}: its folder does not exist\n`);
  });

  it('requires a file', async () => {
    const result = await runPatron('backup');

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Pass one file to write the backup to.');
  });
});
