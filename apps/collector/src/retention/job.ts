import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { Db } from '../db/open.js';
import { applyRetention } from './apply.js';

/** Retention runs this often while the collector runs, and once at start. */
export const RETENTION_INTERVAL_MS = 60 * 60 * 1000;

export interface RetentionJob {
  /** Resolves when the first run has finished. */
  firstRun: Promise<void>;
  /** Stops the schedule, and resolves once a run in progress has stopped after its current batch. */
  stop(): Promise<void>;
}

/**
 * Applies every site's retention now and then every hour. A run that is still deleting when the
 * next one is due makes that one skip. Failures, such as another process holding the database
 * lock, are logged and retried at the next run.
 */
export function startRetentionJob(db: Db, config: Config, logger: Logger, intervalMs = RETENTION_INTERVAL_MS): RetentionJob {
  const sites = config.sites.filter((site) => site.retentionDays !== undefined);
  let stopped = false;
  let running: Promise<void> | undefined;

  const runAll = async () => {
    for (const site of sites) {
      if (stopped) return;
      try {
        const result = await applyRetention(db, site, { stopped: () => stopped });
        if (result && Object.values(result.rows).some((count) => count > 0)) {
          logger.info({ siteKey: site.key, retentionDays: result.retentionDays, deleted: result.rows, elapsedMs: result.elapsedMs }, 'rows older than the retention period deleted');
        }
      } catch (error) {
        logger.error({ err: error, siteKey: site.key }, 'deleting rows older than the retention period failed; retrying at the next run');
      }
    }
  };
  const run = () => {
    if (running || stopped || sites.length === 0) return running ?? Promise.resolve();
    running = runAll().finally(() => {
      running = undefined;
    });
    return running;
  };

  const firstRun = run();
  const timer = setInterval(run, intervalMs);
  timer.unref();
  return {
    firstRun,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
