import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startCollector } from '../server.js';
import { configInput, silentLogger } from '../test/harness.js';
import { runPatron, spawnCollector, stopProcess } from '../test/spawn.js';
import { DatabaseInUseError, lockServerDatabase } from './server-lock.js';

const bin = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'patron.js');

interface Files {
  dbPath: string;
  configPath: string;
}

/** Creates a directory with a configuration, removed with every collector started in it when the current test finishes. */
function makeFiles(children: ChildProcess[]): Files {
  const dir = mkdtempSync(join(tmpdir(), 'patron-'));
  const configPath = join(dir, 'patron.config.json');
  writeFileSync(configPath, JSON.stringify(configInput()));
  onTestFinished(async () => {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) await stopProcess(child, 'SIGTERM');
    }
    rmSync(dir, { recursive: true, force: true });
  });
  return { dbPath: join(dir, 'patron.db'), configPath };
}

/**
 * Runs `patron serve` and resolves with its exit code and stderr once it exits. A collector that
 * starts listening instead is stopped, and resolves with the code `'listening'`.
 */
function runServe({ dbPath, configPath }: Files): Promise<{ code: number | 'listening'; stderr: string }> {
  const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--host', '127.0.0.1', '--db', dbPath, '--config', configPath], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, PATRON_LOG_LEVEL: 'error' },
  });
  return new Promise((resolve) => {
    let stderr = '';
    let listening = false;
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (!listening && stderr.includes('listening on')) {
        listening = true;
        child.kill('SIGTERM');
      }
    });
    child.once('exit', (code) => resolve({ code: listening ? 'listening' : (code ?? -1), stderr }));
  });
}

describe('lockServerDatabase', () => {
  it('rejects a second lock', () => {
    const { dbPath } = makeFiles([]);
    const lock = lockServerDatabase(dbPath);
    onTestFinished(() => lock.release());

    expect(() => lockServerDatabase(dbPath)).toThrow(DatabaseInUseError);
    expect(() => lockServerDatabase(dbPath)).toThrow(`(pid ${process.pid})`);
  });

  it('locks again after release', () => {
    const { dbPath } = makeFiles([]);
    lockServerDatabase(dbPath).release();

    const lock = lockServerDatabase(dbPath);
    lock.release();

    expect(lock.path).toBe(`${dbPath}.lock`);
  });
});

describe('startCollector', () => {
  it('releases the lock when listening fails', async () => {
    const { dbPath, configPath } = makeFiles([]);
    const occupied = createServer();
    await new Promise<void>((resolve) => occupied.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => occupied.close(() => resolve())));
    const port = (occupied.address() as AddressInfo).port;
    const settings = { port, host: '127.0.0.1', db: dbPath, config: configPath, publicDir: undefined };

    await expect(startCollector(settings, silentLogger())).rejects.toThrow('EADDRINUSE');
    const collector = await startCollector({ ...settings, port: 0 }, silentLogger());
    onTestFinished(() => collector.close());

    expect((await fetch(`${collector.url}/healthz`)).status).toBe(200);
  });
});

describe('patron serve on one database', () => {
  it('rejects a second collector', async () => {
    const children: ChildProcess[] = [];
    const files = makeFiles(children);
    const { child } = await spawnCollector(files.dbPath, files.configPath);
    children.push(child);

    const second = await runServe(files);

    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`The database ${files.dbPath} is already in use`);
    expect(second.stderr).toContain(`(pid ${child.pid})`);
    expect(second.stderr).toContain('Stop the other collector, or start this one with another --db.');
  });

  it('starts after the holder was killed', async () => {
    const children: ChildProcess[] = [];
    const files = makeFiles(children);
    const first = await spawnCollector(files.dbPath, files.configPath);
    children.push(first.child);

    await stopProcess(first.child, 'SIGKILL');
    const second = await spawnCollector(files.dbPath, files.configPath);
    children.push(second.child);

    expect(existsSync(`${files.dbPath}.lock`)).toBe(true);
    expect((await fetch(`${second.url}/healthz`)).status).toBe(200);
  });

  it('allows a backup while serving', async () => {
    const children: ChildProcess[] = [];
    const files = makeFiles(children);
    const { child } = await spawnCollector(files.dbPath, files.configPath);
    children.push(child);
    const backupPath = join(dirname(files.dbPath), 'backup.db');

    const backup = await runPatron('backup', backupPath, '--db', files.dbPath);

    expect(backup.stderr).toBe('');
    expect(backup.code).toBe(0);
    expect(existsSync(backupPath)).toBe(true);
  });
});
