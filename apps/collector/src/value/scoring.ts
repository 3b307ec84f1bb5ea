import type { SiteConfig } from '../config/schema.js';
import type { Db } from '../db/open.js';
import { enqueueValueChanges } from '../webhooks/changes.js';
import { predictCustomerValue } from './predict.js';
import { scoreCustomers } from './score.js';

/** The settings of a site that scoring reads; a plain object, so it can be sent to a worker thread. */
export type ScoringSite = Parameters<typeof predictCustomerValue>[1] &
  Parameters<typeof scoreCustomers>[1] &
  Parameters<typeof enqueueValueChanges>[1] &
  Pick<SiteConfig, 'key'>;

/** The part of a pino logger that scoring writes to. */
export interface ScoringLog {
  info(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/**
 * Fits every site's lifetime-value models, scores its customers and enqueues the webhook
 * deliveries their changes call for, logging each step. A site that fails is logged and skipped.
 * Returns the number of deliveries enqueued.
 */
export function scoreSites(db: Db, sites: readonly ScoringSite[], log: ScoringLog): number {
  let deliveries = 0;
  for (const site of sites) {
    try {
      // Predictions first, because value tiers follow them when they are usable.
      const prediction = predictCustomerValue(db, site);
      log.info({ siteKey: site.key, status: prediction.status, findings: prediction.findings, customers: prediction.customers }, 'lifetime-value models fitted');
      const result = scoreCustomers(db, site);
      log.info({ siteKey: site.key, ...result }, 'customers scored');
      const changes = enqueueValueChanges(db, site);
      if (changes > 0) log.info({ siteKey: site.key, deliveries: changes }, 'webhook deliveries enqueued for value changes');
      deliveries += changes;
    } catch (error) {
      log.error({ err: error, siteKey: site.key }, 'scoring customers failed');
    }
  }
  return deliveries;
}

/** The `workerData` of the scoring worker. */
export interface ScoringWorkerData {
  dbPath: string;
  sites: ScoringSite[];
  /** busy_timeout of the worker's connection: how long a write waits for the lock before it fails. */
  busyTimeoutMs: number;
}

/** An error as the worker sends it. The structured clone of an Error (Node 20) keeps neither its name nor its code. */
export interface SentError {
  name: string;
  message: string;
  stack?: string | undefined;
  code?: unknown;
}

/** Messages from the scoring worker to the thread that started it. */
export type ScoringWorkerMessage =
  | { type: 'log'; level: 'info' | 'error'; fields: Record<string, unknown>; error?: SentError; message: string }
  | { type: 'done'; deliveries: number };
