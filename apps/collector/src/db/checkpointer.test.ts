import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { configInput, recordingLogger, silentLogger } from '../test/harness.js';
import { startCheckpointer } from './checkpointer.js';
import { openDatabase } from './open.js';

function openTemp() {
  const dir = mkdtempSync(join(tmpdir(), 'patron-checkpoint-'));
  const path = join(dir, 'patron.db');
  const db = openDatabase(path);
  onTestFinished(() => {
    if (db.$client.open) db.$client.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { db, path, dir };
}

/** Writes about `pages` pages of 4 KiB to the WAL, in one transaction. */
function writePages(db: ReturnType<typeof openDatabase>, pages: number) {
  db.$client.exec('CREATE TABLE IF NOT EXISTS filler (body BLOB)');
  const insert = db.$client.prepare('INSERT INTO filler (body) VALUES (randomblob(4000))');
  db.$client.transaction(() => {
    for (let n = 0; n < pages; n++) insert.run();
  })();
}

const until = async (condition: () => boolean) => {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 20));
};

describe('startCheckpointer', () => {
  it('turns off checkpoints on the serving connection', async () => {
    const { db, path } = openTemp();

    const checkpointer = startCheckpointer(db, path, silentLogger(), { intervalMs: 50 });
    await until(() => db.$client.pragma('wal_autocheckpoint', { simple: true }) === 0);
    await checkpointer.stop();

    expect(db.$client.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
  });

  it('checkpoints the WAL from its worker', async () => {
    const { db, path } = openTemp();
    const checkpointer = startCheckpointer(db, path, silentLogger(), { intervalMs: 50 });
    await until(() => db.$client.pragma('wal_autocheckpoint', { simple: true }) === 0);
    const before = statSync(path).size;

    writePages(db, 2000);
    await until(() => statSync(path).size > before + 4000 * 1500);
    await checkpointer.stop();

    expect(statSync(path).size).toBeGreaterThan(before + 4000 * 1500);
  });

  it('restarts the WAL while writes go on', async () => {
    const { db, path } = openTemp();
    const checkpointer = startCheckpointer(db, path, silentLogger(), { intervalMs: 20, restartFrames: 200 });
    await until(() => db.$client.pragma('wal_autocheckpoint', { simple: true }) === 0);

    // Small commits without a pause between them, as under steady traffic: a passive checkpoint
    // alone rarely finds the WAL fully copied, so the WAL would keep every frame written here.
    const started = Date.now();
    let commits = 0;
    while (Date.now() - started < 1500) {
      writePages(db, 2);
      commits++;
      if (commits % 20 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    const [wal] = db.$client.pragma('wal_checkpoint(PASSIVE)') as [{ log: number }];
    await checkpointer.stop();

    expect(commits).toBeGreaterThan(500);
    expect(wal.log).toBeLessThan(commits);
  });

  it('falls back to checkpoints on the connection when the worker fails', async () => {
    const { db, dir } = openTemp();
    const { logger, records } = recordingLogger();
    db.$client.pragma('wal_autocheckpoint = 0');

    // A folder cannot be opened as a database, so the worker fails at once.
    const checkpointer = startCheckpointer(db, dir, logger, { intervalMs: 50 });
    await checkpointer.stop();

    expect(db.$client.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    expect(records.some((record) => String(record.msg).includes('checkpoint worker failed'))).toBe(true);
  });

  it('lets the built server stop cleanly', async () => {
    const { dir } = openTemp();
    const configPath = join(dir, 'patron.config.json');
    writeFileSync(configPath, JSON.stringify(configInput()));
    const bin = join(import.meta.dirname, '..', '..', 'bin', 'patron.js');
    const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--db', join(dir, 'served.db'), '--config', configPath], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PATRON_LOG_LEVEL: 'info' },
    });
    let log = '';
    child.stdout.on('data', (chunk: Buffer) => (log += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    await until(() => log.includes('listening on'));

    child.kill('SIGTERM');
    const code = await exited;

    expect(code).toBe(0);
    expect(log).toContain('"msg":"collector stopped"');
  });
});
