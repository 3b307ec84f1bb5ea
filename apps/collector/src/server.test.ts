import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { limits, type BatchResult, type ErrorEnvelope } from '@patron/protocol';
import Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ConfigError } from './config/load.js';
import { startCollector, type RunningCollector } from './server.js';
import { spawnCollector } from './test/spawn.js';
import { SHOP_ORIGIN, SITE_KEY, configInput, pageView, recordingLogger, silentLogger, siteInput } from './test/harness.js';

interface StartedCollector {
  collector: RunningCollector;
  dbPath: string;
}

/**
 * Starts a real collector on a free loopback port over a fresh database. It is stopped and its
 * directory removed when the current test finishes.
 */
async function startTestCollector(logger: Logger = silentLogger(), config = configInput()): Promise<StartedCollector> {
  const dir = mkdtempSync(join(tmpdir(), 'patron-'));
  const configPath = join(dir, 'patron.config.json');
  writeFileSync(configPath, JSON.stringify(config));
  // A folder that does not exist yet, which the collector must create.
  const dbPath = join(dir, 'data', 'patron.db');

  let stopped = false;
  const collector = await startCollector({ port: 0, host: '127.0.0.1', db: dbPath, config: configPath, publicDir: undefined }, logger);
  onTestFinished(async () => {
    if (!stopped) await collector.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const close = collector.close;
  collector.close = async () => {
    stopped = true;
    await close();
  };
  return { collector, dbPath };
}

function postEvents(collector: RunningCollector, body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${collector.url}/v1/events`, { method: 'POST', headers: { 'Content-Type': 'text/plain', ...headers }, body });
}

const batchOf = (...events: unknown[]) => JSON.stringify({ siteKey: SITE_KEY, sentAt: Date.now(), events });

describe('startCollector', () => {
  it('listens on a free port', async () => {
    const { collector } = await startTestCollector();

    expect(collector.port).toBeGreaterThan(0);
    expect(collector.url).toBe(`http://127.0.0.1:${collector.port}`);
    expect((await fetch(`${collector.url}/healthz`)).status).toBe(200);
  });

  it('commits events before responding', async () => {
    const { collector, dbPath } = await startTestCollector();
    const view = pageView();

    const response = await postEvents(collector, batchOf(view), { Origin: SHOP_ORIGIN });

    expect(response.status).toBe(200);
    expect((await response.json()) as BatchResult).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    const reader = new Database(dbPath, { readonly: true });
    try {
      const row = reader.prepare('SELECT id, site_key, type FROM events WHERE id = ?').get(view.id);
      expect(row).toEqual({ id: view.id, site_key: SITE_KEY, type: 'page_view' });
    } finally {
      reader.close();
    }
  });

  it('creates the database folder', async () => {
    const { dbPath } = await startTestCollector();

    expect(existsSync(dbPath)).toBe(true);
  });

  it('accepts pages served from its own origin', async () => {
    const { collector } = await startTestCollector();

    const response = await postEvents(collector, batchOf(pageView()), { Origin: collector.url });

    expect(response.status).toBe(200);
  });

  it('rejects other origins with 403', async () => {
    const { collector } = await startTestCollector();

    const response = await postEvents(collector, batchOf(pageView()), { Origin: 'https://evil.example' });

    expect(response.status).toBe(403);
    expect(((await response.json()) as ErrorEnvelope).code).toBe('origin_not_allowed');
  });

  it('rejects an oversize body with 413', async () => {
    const { collector, dbPath } = await startTestCollector();
    const body = batchOf({ ...pageView(), padding: 'x'.repeat(limits.maxBodyBytes) });

    const response = await postEvents(collector, body);

    expect(response.status).toBe(413);
    expect(((await response.json()) as ErrorEnvelope).code).toBe('payload_too_large');
    const reader = new Database(dbPath, { readonly: true });
    try {
      expect(reader.prepare('SELECT count(*) AS count FROM events').get()).toEqual({ count: 0 });
    } finally {
      reader.close();
    }
  });

  it('rejects an oversize body sent in chunks, without a Content-Length, with 413', async () => {
    const { collector } = await startTestCollector();
    const text = batchOf({ ...pageView(), padding: 'x'.repeat(limits.maxBodyBytes) });
    // A stream body makes fetch send Transfer-Encoding: chunked and no Content-Length.
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        const bytes = new TextEncoder().encode(text);
        for (let start = 0; start < bytes.length; start += 16_384) controller.enqueue(bytes.subarray(start, start + 16_384));
        controller.close();
      },
    });

    const response = await fetch(`${collector.url}/v1/events`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body, duplex: 'half' } as RequestInit);

    expect(response.status).toBe(413);
    expect(((await response.json()) as ErrorEnvelope).code).toBe('payload_too_large');
  });

  it('stores a body sent in chunks within the limit', async () => {
    const { collector } = await startTestCollector();
    const bytes = new TextEncoder().encode(batchOf(pageView()));
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.subarray(0, 10));
        controller.enqueue(bytes.subarray(10));
        controller.close();
      },
    });

    const response = await fetch(`${collector.url}/v1/events`, { method: 'POST', headers: { 'Content-Type': 'text/plain', Origin: SHOP_ORIGIN }, body, duplex: 'half' } as RequestInit);

    expect(response.status).toBe(200);
    expect(((await response.json()) as BatchResult).accepted).toBe(1);
  });

  it('rejects an oversize dashboard form with 413', async () => {
    const { collector } = await startTestCollector();

    const response = await fetch(`${collector.url}/dashboard/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `secret=${'x'.repeat(64 * 1024)}`,
    });

    expect(response.status).toBe(413);
    expect(response.headers.get('connection')).toBe('close');
  });

  it('logs its URL and sites', async () => {
    const { logger, records } = recordingLogger();
    const { collector } = await startTestCollector(logger);

    const started = records.find((record) => record.msg === 'collector started');
    expect(started?.url).toBe(collector.url);
    expect(started?.sites).toEqual([SITE_KEY]);
  });

  it('warns of overrides without identity verification', async () => {
    const overrides = { priority: { overrides: [{ customer: 'u:acme-purchasing', tier: 'platinum' as const }] } };
    const unverified = recordingLogger();
    const verified = recordingLogger();

    await startTestCollector(unverified.logger, configInput(siteInput(overrides)));
    await startTestCollector(verified.logger, configInput(siteInput({ ...overrides, identityVerification: 'required' })));

    const warning = (records: typeof unverified.records) => records.find((record) => String(record.msg).includes('priority overrides'));
    expect(warning(unverified.records)?.siteKey).toBe(SITE_KEY);
    expect(warning(verified.records)).toBeUndefined();
  });

  it('stops listening on close', async () => {
    const { collector } = await startTestCollector();
    await fetch(`${collector.url}/healthz`);

    await collector.close();

    await expect(fetch(`${collector.url}/healthz`)).rejects.toThrow();
  });

  it('stops on SIGTERM while keep-alive clients keep sending', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'patron-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const configPath = join(dir, 'patron.config.json');
    writeFileSync(configPath, JSON.stringify(configInput()));
    const { child, url } = await spawnCollector(join(dir, 'patron.db'), configPath);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    // Eight clients that send the next request as soon as the previous response arrives, and go on
    // after errors, as a busy shop's browsers would.
    let sending = true;
    const clients = Array.from({ length: 8 }, async () => {
      while (sending) {
        try {
          const response = await fetch(`${url}/v1/events`, { method: 'POST', headers: { 'Content-Type': 'text/plain', Origin: SHOP_ORIGIN }, body: batchOf(pageView()) });
          await response.arrayBuffer();
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      }
    });
    await new Promise((resolve) => setTimeout(resolve, 500));

    child.kill('SIGTERM');
    const code = await exited;
    sending = false;
    await Promise.all(clients);

    expect(code).toBe(0);
  });

  it('rejects a missing configuration file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'patron-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const settings = { port: 0, host: '127.0.0.1', db: join(dir, 'patron.db'), config: join(dir, 'missing.json'), publicDir: undefined };

    await expect(startCollector(settings, silentLogger())).rejects.toBeInstanceOf(ConfigError);
  });
});
