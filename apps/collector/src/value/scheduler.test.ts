import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { describe, expect, it, onTestFinished } from 'vitest';
import { parseConfig } from '../config/load.js';
import { openDatabase, type Db } from '../db/open.js';
import { profiles } from '../db/schema.js';
import { emptyProfile } from '../profiles/totals.js';
import { configInput, makeTempDir, recordingLogger, siteInput, SITE_KEY } from '../test/harness.js';
import { spawnCollector, stopProcess } from '../test/spawn.js';
import { defaultScoringWorker, startScoring } from './scheduler.js';

const DAY = 24 * 60 * 60 * 1000;
const SECRET = 'webhook-secret-of-24-chars-at-least';
/** The worker as `pnpm build` bundles it; the tests run the built file because Node 20 cannot load TypeScript in a worker. */
const builtWorker = new URL('../../dist/scoring-worker.js', import.meta.url);

const input = configInput(
  siteInput({ minCustomersForScores: 10, webhooks: [{ id: 'crm', url: 'http://127.0.0.1:9/hook', events: ['customer.segment_changed'], secret: SECRET }] }),
);
const sites = parseConfig(input).sites;

/** Creates a database file with `count` customers, each with one order more than the last. */
function seededDatabase(count = 30): { db: Db; dbPath: string; dir: string } {
  const dir = makeTempDir();
  const dbPath = join(dir, 'patron.db');
  const db = openDatabase(dbPath);
  onTestFinished(() => {
    if (db.$client.open) db.$client.close();
  });
  const now = Date.now();
  for (let i = 0; i < count; i++) {
    const profile = emptyProfile(SITE_KEY, `u:c${i}`, `c${i}`, now - 400 * DAY);
    profile.orders = i + 1;
    profile.revenue = 1000 * (i + 1);
    profile.firstOrderAt = now - 400 * DAY;
    profile.lastOrderAt = now - i * DAY;
    db.insert(profiles).values(profile).run();
  }
  return { db, dbPath, dir };
}

const count = (db: Db, table: string) => (db.$client.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

function requireBuiltWorker() {
  if (!existsSync(builtWorker)) throw new Error(`${fileURLToPath(builtWorker)} is missing; run pnpm -C apps/collector build before these tests`);
}

describe('scoring schedule', () => {
  it('picks the worker next to the bundle', () => {
    expect(defaultScoringWorker(':memory:')).toBeNull();
    // These tests run from the TypeScript sources, where scoring runs inline.
    expect(defaultScoringWorker('/tmp/patron.db')).toBeNull();
  });

  it('scores in the built worker', async () => {
    requireBuiltWorker();
    const { db, dbPath } = seededDatabase();
    // A segment that scoring changes, so that one delivery is enqueued.
    db.$client.prepare("INSERT INTO webhook_marks (site_key, profile_id, segment, tier, lapsing) VALUES (?, 'u:c0', 'not a segment', NULL, 0)").run(SITE_KEY);
    const { logger, records } = recordingLogger();
    let woken = 0;

    const scoring = startScoring({ db, dbPath, sites, logger, onDeliveries: () => woken++, worker: builtWorker });
    onTestFinished(() => scoring.stop());
    await scoring.firstRun;

    const messages = records.map((record) => record.msg);
    expect(messages).toContain('lifetime-value models fitted');
    expect(records.find((record) => record.msg === 'customers scored')).toMatchObject({ siteKey: SITE_KEY, status: 'scored', customers: 30 });
    expect(records.find((record) => record.msg === 'webhook deliveries enqueued for value changes')).toMatchObject({ deliveries: 1 });
    expect(records.find((record) => record.msg === 'scoring run finished')).toMatchObject({ deliveries: 1, sites: 1 });
    expect(records.filter((record) => record.level === 50)).toEqual([]);
    expect(woken).toBe(1);
    expect(count(db, "profiles WHERE segment IS NOT NULL")).toBe(30);
    expect(count(db, 'webhook_deliveries')).toBe(1);
    expect(count(db, 'scoring_runs')).toBe(1);
  });

  it('logs a worker that fails', async () => {
    requireBuiltWorker();
    const { db, dir } = seededDatabase();
    // A database path below a regular file, which the worker cannot create.
    const file = join(dir, 'file');
    writeFileSync(file, '');
    const { logger, records } = recordingLogger();
    let woken = 0;

    const scoring = startScoring({ db, dbPath: join(file, 'patron.db'), sites, logger, onDeliveries: () => woken++, worker: builtWorker });
    onTestFinished(() => scoring.stop());
    await scoring.firstRun;

    const failure = records.find((record) => record.msg === 'scoring customers failed');
    expect(failure?.level).toBe(50);
    // The error keeps its code across the thread boundary.
    expect(failure?.err).toMatchObject({ code: 'EEXIST' });
    expect(woken).toBe(0);
  });

  it('stops a run in progress', async () => {
    requireBuiltWorker();
    const { db, dbPath } = seededDatabase();
    // Another connection holds the write lock, so the worker's first write waits.
    const blocker = new Database(dbPath);
    onTestFinished(() => {
      blocker.close();
    });
    blocker.exec('BEGIN IMMEDIATE');
    const { logger, records } = recordingLogger();

    const scoring = startScoring({ db, dbPath, sites, logger, onDeliveries: () => {}, worker: builtWorker });
    const stopped = scoring.stop();
    // The worker ends once its wait for the lock returns.
    blocker.exec('ROLLBACK');
    await stopped;

    expect(count(db, 'scoring_runs')).toBe(0);
    expect(count(db, 'value_models')).toBe(0);
    expect(records.filter((record) => record.level === 50)).toEqual([]);
  });

  it('runs inline for an in-memory database', async () => {
    const db = openDatabase(':memory:');
    onTestFinished(() => {
      db.$client.close();
    });
    const { logger, records } = recordingLogger();

    const scoring = startScoring({ db, dbPath: ':memory:', sites, logger, onDeliveries: () => {} });
    onTestFinished(() => scoring.stop());
    await scoring.firstRun;

    expect(records.find((record) => record.msg === 'customers scored')).toMatchObject({ status: 'not_enough_data', customers: 0 });
  });
});

describe('patron serve', () => {
  it('answers /healthz while scoring runs', { timeout: 60_000 }, async () => {
    requireBuiltWorker();
    const { db, dbPath, dir } = seededDatabase();
    db.$client.close();
    const configPath = join(dir, 'patron.config.json');
    writeFileSync(configPath, JSON.stringify(input));
    // Holding the write lock keeps the scoring worker waiting at its first write.
    const blocker = new Database(dbPath);
    onTestFinished(() => {
      blocker.close();
    });
    blocker.exec('BEGIN IMMEDIATE');

    const { child, url } = await spawnCollector(dbPath, configPath);
    onTestFinished(() => (child.exitCode === null ? stopProcess(child, 'SIGTERM') : undefined));
    const health = await fetch(`${url}/healthz`);
    const scoredBefore = count({ $client: blocker } as Db, 'scoring_runs');
    blocker.exec('ROLLBACK');

    expect(health.status).toBe(200);
    expect(scoredBefore).toBe(0);
    // The run that was waiting finishes once the lock is free.
    const reader = new Database(dbPath, { readonly: true });
    onTestFinished(() => {
      reader.close();
    });
    let run: unknown;
    for (let attempt = 0; attempt < 300 && !run; attempt++) {
      run = reader.prepare('SELECT status, customers FROM scoring_runs').get();
      if (!run) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(run).toEqual({ status: 'scored', customers: 30 });
  });
});
