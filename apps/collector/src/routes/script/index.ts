import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Hono } from 'hono';
import type { Logger } from 'pino';
import type { AppEnv } from '../../http/env.js';

const scriptNames = ['patron.js', 'patron.debug.js', 'patron.ga4.js'];

/**
 * `GET /patron.js`, `/patron.debug.js` and `/patron.ga4.js`: the tracker's script-tag builds,
 * served from the collector's own origin so that shops can load them first-party.
 */
export function trackerScriptRoute(logger: Logger) {
  const app = new Hono<AppEnv>();
  for (const name of scriptNames) {
    const script = readTrackerScript(name, logger);
    app.get(`/${name}`, (c) => {
      if (script === undefined) {
        return c.text('// The tracker is not built; run `pnpm build` and restart the collector.\n', 404);
      }
      c.header('Content-Type', 'text/javascript; charset=utf-8');
      c.header('Cache-Control', 'public, max-age=300');
      return c.body(script);
    });
  }
  return app;
}

function readTrackerScript(name: string, logger: Logger): string | undefined {
  try {
    const path = createRequire(import.meta.url).resolve(`@patron/tracker/${name}`);
    return readFileSync(path, 'utf8');
  } catch (error) {
    logger.warn({ err: error, script: name }, 'tracker script not found; requests for it get 404');
    return undefined;
  }
}
