import { join } from 'node:path';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createApp } from '../../app.js';
import { parseConfig } from '../../config/load.js';
import * as schema from '../../db/schema.js';
import { configInput, makeTempDir, openTestCollector, recordingLogger, responseJson, silentLogger } from '../../test/harness.js';

describe('GET /healthz', () => {
  it('returns ok', async () => {
    const collector = openTestCollector();

    const response = await collector.app.request('/healthz');

    expect(response.status).toBe(200);
    expect(await responseJson(response)).toEqual({ status: 'ok' });
  });

  it('returns ok while the database is closed', async () => {
    const collector = openTestCollector();
    collector.sqlite.close();

    const response = await collector.app.request('/healthz');

    expect(response.status).toBe(200);
  });
});

describe('GET /readyz', () => {
  it('returns ready with a migrated database', async () => {
    const collector = openTestCollector();

    const response = await collector.app.request('/readyz');

    expect(response.status).toBe(200);
    expect(await responseJson(response)).toEqual({ status: 'ready' });
  });

  it('returns 503 when the database is closed', async () => {
    const collector = openTestCollector();
    collector.sqlite.close();

    const response = await collector.app.request('/readyz');

    expect(response.status).toBe(503);
    expect((await responseJson(response)).status).toBe('not ready');
  });

  it('returns 503 before migrations ran', async () => {
    const sqlite = new Database(join(makeTempDir(), 'empty.db'));
    onTestFinished(() => {
      sqlite.close();
    });
    const app = createApp({ db: drizzle(sqlite, { schema }), config: parseConfig(configInput()), logger: silentLogger() });

    const response = await app.request('/readyz');

    expect(response.status).toBe(503);
  });

  it('logs why it is not ready', async () => {
    const { logger, records } = recordingLogger();
    const collector = openTestCollector(configInput(), logger);
    collector.sqlite.close();

    await collector.app.request('/readyz');

    const failure = records.find((record) => record.msg === 'readiness check failed');
    expect(failure?.level).toBe(50);
    expect(JSON.stringify(failure?.err)).toContain('not open');
  });
});
