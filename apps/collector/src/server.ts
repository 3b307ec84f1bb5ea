import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { createApp } from './app.js';
import { loadConfig } from './config/load.js';
import type { ServeSettings } from './config/settings.js';
import { startCheckpointer, type Checkpointer } from './db/checkpointer.js';
import { openDatabase, type Db } from './db/open.js';
import { lockServerDatabase } from './db/server-lock.js';
import { siteSecret } from './http/admin-auth.js';
import { readRateLimitSettings } from './http/rate-limit.js';
import { readAdmissionEnabled, serveWithAdmission } from './priority/serve.js';
import { startRetentionJob } from './retention/job.js';
import { startScoring } from './value/scheduler.js';
import { enqueueAbandonedCarts } from './webhooks/changes.js';
import { WebhookDispatcher } from './webhooks/dispatcher.js';
import { readSecret } from './webhooks/secret.js';

// On close, requests in flight get this long to finish before their connections are cut, well
// within the 10 s that `docker stop` waits before it kills the process.
const SHUTDOWN_GRACE_MS = 5_000;
// Abandoned carts are looked for this often, so a cart.abandoned webhook is at most this late.
const CART_SCAN_INTERVAL_MS = 60 * 1000;

export interface RunningCollector {
  /** Base URL, such as "http://127.0.0.1:8787". */
  url: string;
  port: number;
  /** Stops accepting connections, waits for requests in flight, then closes the database. */
  close(): Promise<void>;
}

/** Loads the configuration, opens the database and listens; resolves once the port is bound. */
export async function startCollector(settings: ServeSettings, logger: Logger): Promise<RunningCollector> {
  const config = loadConfig(settings.config);
  const rateLimits = readRateLimitSettings(process.env);
  for (const site of config.sites) {
    if (site.secretKey && !siteSecret(site)) {
      logger.warn(
        { siteKey: site.key, variable: site.secretKey.slice(4) },
        'the environment variable named by secretKey is not set or shorter than 24 characters; the admin API of this site rejects every request, and no priority passes are issued, so every visitor is bronze',
      );
    }
    if (site.identityVerification !== 'required' && (site.priority?.overrides.length ?? 0) > 0) {
      logger.warn(
        { siteKey: site.key },
        'the site sets priority overrides but identityVerification is not "required", so any page can claim an overridden customer\'s tier by sending their user id; see docs/priority.md',
      );
    }
  }
  for (const site of config.sites) {
    for (const webhook of site.webhooks) {
      if (!readSecret(webhook.secret)) {
        logger.warn(
          { siteKey: site.key, webhookId: webhook.id, variable: webhook.secret.slice(4) },
          'the environment variable named by the webhook secret is not set or shorter than 24 characters; its deliveries wait and retry until it is set',
        );
      }
    }
  }
  // Taken before the database is opened, so that a second collector on the same file changes nothing in it.
  const lock = lockServerDatabase(settings.db);
  let db: Db | undefined;
  let checkpointer: Checkpointer | undefined;
  let server: Server;
  try {
    db = openDatabase(settings.db);
    checkpointer = settings.db === ':memory:' ? undefined : startCheckpointer(db, settings.db, logger);
    const app = createApp({ db, config, logger, publicDir: settings.publicDir, metricsToken: process.env.PATRON_METRICS_TOKEN || undefined, rateLimits });
    server = await new Promise<Server>((resolve, reject) => {
      const options = { port: settings.port, hostname: settings.host, logger, admission: readAdmissionEnabled(process.env) };
      const instance = serveWithAdmission(app, options, () => resolve(instance));
      instance.once('error', reject);
    });
  } catch (error) {
    // A collector that failed to start, on a port in use for example, leaves the file to the next one.
    await checkpointer?.stop();
    db?.$client.close();
    lock.release();
    throw error;
  }
  const { port } = server.address() as AddressInfo;

  const dispatcher = new WebhookDispatcher(db, config, logger);
  // Scoring runs in a worker thread, so requests are served while it runs.
  const scoring = startScoring({ db, dbPath: settings.db, sites: config.sites, logger, onDeliveries: () => dispatcher.wake() });
  const scanCarts = () => {
    for (const site of config.sites) {
      try {
        if (enqueueAbandonedCarts(db, site) > 0) dispatcher.wake();
      } catch (error) {
        logger.error({ err: error, siteKey: site.key }, 'looking for abandoned carts failed');
      }
    }
  };
  const cartScan = setInterval(scanCarts, CART_SCAN_INTERVAL_MS);
  cartScan.unref();
  dispatcher.start();
  const retention = startRetentionJob(db, config, logger);
  const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  const url = `http://${host}:${port}`;
  logger.info(
    { url, db: settings.db, config: settings.config, publicDir: settings.publicDir, sites: config.sites.map((site) => site.key) },
    'collector started',
  );

  return {
    url,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        const scoringStopped = scoring.stop();
        clearInterval(cartScan);
        // Keep-alive clients that go on sending would hold the server open, so responses from now on
        // close their connections, and whatever is still open after the grace period is cut.
        server.on('request', (_request: IncomingMessage, response: ServerResponse) => {
          if (!response.headersSent) response.setHeader('Connection', 'close');
        });
        const deadline = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
        deadline.unref();
        server.close(async (error) => {
          clearTimeout(deadline);
          await dispatcher.stop();
          await checkpointer?.stop();
          await retention.stop();
          await scoringStopped;
          db.$client.close();
          lock.release();
          logger.info('collector stopped');
          if (error) reject(error);
          else resolve();
        });
        server.closeIdleConnections();
      }),
  };
}
