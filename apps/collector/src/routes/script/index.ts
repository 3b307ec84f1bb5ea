import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Hono } from 'hono';
import type { Logger } from 'pino';
import type { AppEnv } from '../../http/env.js';

/**
 * `GET /patron.js`: the tracker's script-tag build, served from the collector's own origin so
 * that shops can load it first-party.
 */
export function trackerScriptRoute(logger: Logger) {
  const script = readTrackerScript(logger);
  return new Hono<AppEnv>().get('/patron.js', (c) => {
    if (script === undefined) {
      return c.text('// The tracker is not built; run `pnpm build` and restart the collector.\n', 404);
    }
    c.header('Content-Type', 'text/javascript; charset=utf-8');
    c.header('Cache-Control', 'public, max-age=300');
    return c.body(script);
  });
}

function readTrackerScript(logger: Logger): string | undefined {
  try {
    const path = createRequire(import.meta.url).resolve('@patron/tracker/patron.js');
    return readFileSync(path, 'utf8');
  } catch (error) {
    logger.warn({ err: error }, 'tracker script not found; /patron.js will answer 404');
    return undefined;
  }
}
