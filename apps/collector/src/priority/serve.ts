import { createServer, type RequestListener, type Server } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import type { Logger } from 'pino';
import { appServices, type createApp } from '../app.js';
import { SettingsError } from '../config/settings.js';
import { withBodyDrain } from '../http/drain.js';
import { withEarlyAdmission } from './early.js';
import { PurchaseClaims } from './purchase-claims.js';

/** Environment variable that turns admission by tier off: `off` serves every request first come, first served. */
export const ADMISSION_VARIABLE = 'PATRON_ADMISSION';

/** Reads PATRON_ADMISSION: true unless it is `off`; unset or empty means `on`. */
export function readAdmissionEnabled(env: NodeJS.ProcessEnv): boolean {
  const value = env[ADMISSION_VARIABLE]?.trim().toLowerCase();
  if (!value || value === 'on') return true;
  if (value === 'off') return false;
  throw new SettingsError(`${ADMISSION_VARIABLE} must be "on" or "off", received "${env[ADMISSION_VARIABLE]}"`);
}

export interface ServeOptions {
  port: number;
  hostname: string;
  logger: Logger;
  /** With false, requests reach the app in arrival order and nothing is shed. */
  admission: boolean;
  /** Milliseconds an admitted request may take to send the rest of its body; 5 s by default. */
  bodyDeadlineMs?: number | undefined;
  /** Milliseconds after admission from which a body still arriving counts as slow; for tests. */
  slowBodyMs?: number | undefined;
}

/**
 * Creates an HTTP server for an app from `createApp`, with admission by tier in front of it
 * (see {@link withEarlyAdmission}), and starts listening; `onListening` runs once the port is bound.
 * A response that is sent before the request body has arrived, such as a 413, is ended only
 * after the rest of the body has been drained (see {@link withBodyDrain}).
 */
export function serveWithAdmission(app: ReturnType<typeof createApp>, options: ServeOptions, onListening: () => void): Server {
  const appListener: RequestListener = getRequestListener(app.fetch, { hostname: options.hostname });
  let listener = appListener;
  if (options.admission) {
    const services = appServices.get(app);
    if (!services) throw new Error('serveWithAdmission needs an app made by createApp');
    listener = withEarlyAdmission(appListener, { ...services, purchaseClaims: new PurchaseClaims(options.logger), logger: options.logger, bodyDeadlineMs: options.bodyDeadlineMs, slowBodyMs: options.slowBodyMs });
  } else {
    options.logger.warn(`${ADMISSION_VARIABLE}=off: event and offer requests are served first come, first served and never shed`);
  }
  return createServer(withBodyDrain(listener)).listen(options.port, options.hostname, onListening);
}
