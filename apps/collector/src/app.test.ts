import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ErrorEnvelope } from '@patron/protocol';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createApp } from './app.js';
import { parseConfig } from './config/load.js';
import { configInput, makeTempDir, openTestCollector, pageView, recordingLogger, responseJson, silentLogger } from './test/harness.js';

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
});
