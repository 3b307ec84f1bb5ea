import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  addToCartSchema,
  ItemInput,
  pageViewSchema,
  purchaseSchema,
  removeFromCartSchema,
} from '@patron/protocol';
import type Database from 'better-sqlite3';
import pino, { type Logger } from 'pino';
import { onTestFinished } from 'vitest';
import type { z } from 'zod';
import { createApp } from '../app.js';
import { CommitQueue } from '../ingest/commit-queue.js';
import { parseConfig } from '../config/load.js';
import type { configSchema, siteConfigSchema } from '../config/schema.js';
import { openDatabase, type Db } from '../db/open.js';

export const SITE_KEY = 'test-shop';
export const SHOP_ORIGIN = 'https://shop.example';
export const VISITOR_ID = 'visitor-1';
export const SESSION_ID = 'session-1';

export type ConfigInput = z.input<typeof configSchema>;
export type SiteInput = z.input<typeof siteConfigSchema>;
export type { OfferInput } from '../offers/schema.js';

/** Creates a temporary directory that is removed, with its contents, when the current test finishes. */
export function makeTempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'patron-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Returns a site for the test configuration: key "test-shop", GBP, pages from https://shop.example,
 * no offers and no holdout, so that a test's visitor is never held back by chance.
 */
export function siteInput(overrides: Partial<SiteInput> = {}): SiteInput {
  return { key: SITE_KEY, allowedOrigins: [SHOP_ORIGIN], currency: 'GBP', offers: [], offerSettings: { holdoutShare: 0 }, ...overrides };
}

export function configInput(...sites: SiteInput[]): ConfigInput {
  return { sites: sites.length > 0 ? sites : [siteInput()] };
}

/** Creates a pino logger that writes nothing. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** Creates a pino logger that parses every record it writes into `records`. */
export function recordingLogger(): { logger: Logger; records: Array<Record<string, unknown>> } {
  const records: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => records.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, records };
}

/** Request headers such as `{ Origin: 'https://shop.example' }`. */
export type RequestHeaders = Record<string, string>;

export interface BatchOptions {
  siteKey?: string;
  sentAt?: number;
  headers?: RequestHeaders;
}

/** The collector app over a fresh SQLite file, with helpers to call it and to read the tables. */
export interface TestCollector {
  app: ReturnType<typeof createApp>;
  db: Db;
  /** The better-sqlite3 connection that the app uses. */
  sqlite: Database.Database;
  dbPath: string;
  dir: string;
  /** Sends `body` as JSON with Content-Type application/json. */
  postJson(path: string, body: unknown, headers?: RequestHeaders): Promise<Response>;
  /** Sends a batch of events to `POST /v1/events`, by default for site "test-shop" with `sentAt` now. */
  sendEvents(events: unknown[], options?: BatchOptions): Promise<Response>;
  /** Sends a batch and fails unless the collector returns 200. */
  storeEvents(events: unknown[], options?: BatchOptions): Promise<void>;
  /** The app's group commit; `flush()` stores offer decisions that wait for the next turn of the event loop. */
  commitQueue: CommitQueue;
  /** Rows of a raw SQL query against the app's database, after the waiting writes are committed. */
  rows<T = Record<string, unknown>>(query: string, ...params: unknown[]): T[];
}

/**
 * Opens a fresh database in a temporary directory and builds the app over it. The database is
 * closed and the directory removed when the current test finishes.
 */
export function openTestCollector(config: ConfigInput = configInput(), logger: Logger = silentLogger()): TestCollector {
  const dir = mkdtempSync(join(tmpdir(), 'patron-'));
  const dbPath = join(dir, 'patron.db');
  const db = openDatabase(dbPath);
  const commitQueue = new CommitQueue(db, undefined, (error) => {
    throw error;
  });
  onTestFinished(() => {
    if (db.$client.open) {
      commitQueue.flush();
      db.$client.close();
    }
    rmSync(dir, { recursive: true, force: true });
  });

  const app = createApp({ db, config: parseConfig(config), logger, commitQueue });
  // Over a network, the next request arrives after the turn that commits the deferred writes of
  // this one. In-process requests get the same order, because the writes are committed when the
  // response returns.
  const request = app.request.bind(app);
  app.request = (async (...args: Parameters<typeof request>) => {
    const response = await request(...args);
    commitQueue.flush();
    return response;
  }) as typeof app.request;

  const postJson = async (path: string, body: unknown, headers: RequestHeaders = {}) =>
    app.request(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  const sendEvents = async (events: unknown[], options: BatchOptions = {}) =>
    postJson('/v1/events', { siteKey: options.siteKey ?? SITE_KEY, sentAt: options.sentAt ?? Date.now(), events }, options.headers);

  const storeEvents = async (events: unknown[], options: BatchOptions = {}) => {
    const response = await sendEvents(events, options);
    if (response.status !== 200) throw new Error(`POST /v1/events returned ${response.status}: ${await response.text()}`);
  };

  const rows = <T>(query: string, ...params: unknown[]) => {
    commitQueue.flush();
    return db.$client.prepare(query).all(...params) as T[];
  };

  return { app, db, sqlite: db.$client, dbPath, dir, commitQueue, postJson, sendEvents, storeEvents, rows };
}

type PageView = z.input<typeof pageViewSchema>;
type AddToCart = z.input<typeof addToCartSchema>;
type RemoveFromCart = z.input<typeof removeFromCartSchema>;
type Purchase = z.input<typeof purchaseSchema>;

/** Fields every event needs: a new id, visitor-1 in session-1, and the current time. */
function eventBase() {
  return { id: randomUUID(), visitorId: VISITOR_ID, sessionId: SESSION_ID, timestamp: Date.now() };
}

export function item(id: string, price: number | string, quantity = 1): ItemInput {
  return { id, name: `Product ${id}`, price, quantity };
}

export function pageView(overrides: Partial<PageView> = {}): PageView {
  return { ...eventBase(), type: 'page_view', url: 'https://shop.example/', ...overrides };
}

export function addToCart(items: ItemInput[], overrides: Partial<AddToCart> = {}): AddToCart {
  return { ...eventBase(), type: 'add_to_cart', items, currency: 'GBP', ...overrides };
}

export function removeFromCart(items: ItemInput[], overrides: Partial<RemoveFromCart> = {}): RemoveFromCart {
  return { ...eventBase(), type: 'remove_from_cart', items, currency: 'GBP', ...overrides };
}

export function purchase(transactionId: string, value: number | string, overrides: Partial<Purchase> = {}): Purchase {
  return { ...eventBase(), type: 'purchase', transactionId, value, currency: 'GBP', ...overrides };
}

/** Parses a response body as JSON of the expected type, without checking it. */
export async function responseJson<T = Record<string, unknown>>(response: Response): Promise<T> {
  return (await response.json()) as T;
}
