import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ErrorEnvelope } from '@patron/protocol';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createApp } from './app.js';
import { parseConfig } from './config/load.js';
import { configInput, makeTempDir, openTestCollector, pageView, recordingLogger, responseJson, silentLogger, siteInput, SITE_KEY } from './test/harness.js';

describe('createApp', () => {
  it('returns 404 for unknown routes', async () => {
    const collector = openTestCollector();

    const response = await collector.app.request('/v1/nothing');

    expect(response.status).toBe(404);
    const body = await responseJson<ErrorEnvelope>(response);
    expect(body.code).toBe('not_found');
    expect(body.message).toContain('GET /v1/nothing');
    expect(body.issues).toEqual([]);
  });

  it('serves the tracker script', async () => {
    const collector = openTestCollector();

    const response = await collector.app.request('/patron.js');

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await response.text()).length).toBeGreaterThan(0);
  });

  it('serves files from the public folder', async () => {
    const collector = openTestCollector();
    const publicDir = join(makeTempDir(), 'public');
    mkdirSync(publicDir);
    writeFileSync(join(publicDir, 'index.html'), '<h1>Demo shop</h1>');
    const app = createApp({ db: collector.db, config: parseConfig(configInput()), logger: silentLogger(), publicDir });

    const response = await app.request('/index.html');

    expect(response.status).toBe(200);
    expect(await response.text()).toBe('<h1>Demo shop</h1>');
  });

  it('returns 500 when storing fails', async () => {
    const { logger, records } = recordingLogger();
    const collector = openTestCollector(configInput(), logger);
    collector.sqlite.close();

    const response = await collector.sendEvents([pageView()]);

    expect(response.status).toBe(500);
    const body = await responseJson<ErrorEnvelope>(response);
    expect(body.code).toBe('internal_error');
    const failure = records.find((record) => record.msg === 'request failed');
    expect(failure?.level).toBe(50);
    expect(failure?.path).toBe('/v1/events');
    expect(body.message).toContain(String(failure?.requestId));
  });
});

describe('a locked database', () => {
  it('answers 503 with Retry-After and stores nothing', { timeout: 30_000 }, async () => {
    const collector = openTestCollector();
    const other = new Database(collector.dbPath);
    other.exec('BEGIN IMMEDIATE');
    const locked = await collector.sendEvents([pageView()]);
    other.exec('ROLLBACK');
    other.close();
    const after = await collector.sendEvents([pageView()]);

    expect(locked.status).toBe(503);
    expect(locked.headers.get('retry-after')).toBe('1');
    expect((await responseJson<ErrorEnvelope>(locked)).code).toBe('database_busy');
    expect(after.status).toBe(200);
    expect(collector.rows('SELECT count(*) AS n FROM events')).toEqual([{ n: 1 }]);
  });

  it('waits for a lock held briefly', { timeout: 30_000 }, async () => {
    const secret = 'a-secret-key-of-24-chars-or-more';
    const collector = openTestCollector(configInput(siteInput({ secretKey: secret })));
    // Another thread holds the write lock for 300 ms, less than the 1 s busy_timeout. The order
    // confirmation reads before it writes, which must not make it fail without waiting.
    const holder = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
      const db = new (require(workerData.driver))(workerData.path);
      db.exec('BEGIN IMMEDIATE');
      parentPort.postMessage('locked');
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
      db.exec('ROLLBACK');
      db.close();`,
      { eval: true, workerData: { path: collector.dbPath, driver: createRequire(import.meta.url).resolve('better-sqlite3') } },
    );
    await new Promise((resolve) => holder.once('message', resolve));

    const response = await collector.app.request(`/v1/admin/sites/${SITE_KEY}/orders`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${secret}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ transactionId: 'order-1', value: '5.00', currency: 'GBP', visitorId: 'visitor-1' }),
    });
    await new Promise((resolve) => holder.once('exit', resolve));

    expect(response.status).toBe(201);
    expect(collector.rows('SELECT transaction_id FROM orders')).toEqual([{ transaction_id: 'order-1' }]);
  });
});
