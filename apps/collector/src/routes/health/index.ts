import { Hono } from 'hono';
import type { AppEnv } from '../../http/env.js';

/** `GET /healthz` responds while the process runs; `GET /readyz` also checks that SQLite runs a query. */
export function healthRoutes() {
  return new Hono<AppEnv>()
    .get('/healthz', (c) => c.json({ status: 'ok' }))
    .get('/readyz', (c) => {
      try {
        c.var.db.$client.prepare('SELECT count(*) FROM __drizzle_migrations').get();
        return c.json({ status: 'ready' });
      } catch (error) {
        c.var.logger.error({ err: error, requestId: c.var.requestId }, 'readiness check failed');
        return c.json({ status: 'not ready', message: 'The database query failed; see the collector log' }, 503);
      }
    });
}
