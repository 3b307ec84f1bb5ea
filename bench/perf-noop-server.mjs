// The performance benchmark's baseline: a Hono app on @hono/node-server, the collector's own
// versions of both, whose POST routes read the body and respond with a small JSON object. It prints
// "listening on http://…" to stderr, as `patron serve` does, and stops on SIGTERM or SIGINT.
//
// With `--middleware=<names>`, the app first runs those of the collector's middleware, in the
// collector's order and set up as in apps/collector/src/app.ts: requestId, metrics (prom-client)
// and cors, or `all` of them. `bodyLimit` adds hono/body-limit, which the collector no longer uses,
// to price it. This prices that layer apart from the collector's own work.
import { createRequire } from 'node:module';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const collectorRequire = createRequire(join(root, 'apps/collector/package.json'));
const { Hono } = collectorRequire('hono');
const { serve } = collectorRequire('@hono/node-server');

const app = new Hono();
const middlewareOption = process.argv.find((arg) => arg.startsWith('--middleware='));
if (middlewareOption) {
  const names = middlewareOption.slice('--middleware='.length).split(',');
  addCollectorMiddleware(app, new Set(names.includes('all') ? ['requestId', 'metrics', 'cors'] : names));
}
app.post('/v1/*', async (c) => {
  const body = await c.req.text();
  return c.json({ ok: true, bytes: body.length }, 200);
});

const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
  process.stderr.write(`no-op Hono server listening on http://127.0.0.1:${info.port}\n`);
});

const stop = () => server.close(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);

/** Adds the named middleware in the collector's order: request id, metrics, then CORS (and the body limit) on /v1/*. */
function addCollectorMiddleware(target, names) {
  const { requestId } = collectorRequire('hono/request-id');
  const { bodyLimit } = collectorRequire('hono/body-limit');
  const { Counter, Histogram, Registry } = collectorRequire('prom-client');

  const registry = new Registry();
  const requests = new Counter({ name: 'noop_http_requests_total', help: 'HTTP requests by route, method and status.', labelNames: ['route', 'method', 'status'], registers: [registry] });
  const duration = new Histogram({
    name: 'noop_http_request_duration_seconds',
    help: 'Time to respond to an HTTP request, in seconds.',
    labelNames: ['route', 'method'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });

  if (names.has('requestId')) target.use(requestId());
  if (names.has('metrics')) {
    target.use(async (c, next) => {
      const end = duration.startTimer();
      await next();
      end({ route: c.req.routePath, method: c.req.method });
      requests.inc({ route: c.req.routePath, method: c.req.method, status: String(c.res.status) });
    });
  }
  if (names.has('cors')) {
    // As the collector's publicCors: every header is set before the route runs.
    target.use('/v1/*', async (c, next) => {
      const origin = c.req.header('origin');
      c.header('Vary', 'Origin');
      if (origin) c.header('Access-Control-Allow-Origin', origin);
      await next();
    });
  }
  if (names.has('bodyLimit')) target.use('/v1/*', bodyLimit({ maxSize: 512 * 1024 }));
}
