import type { MiddlewareHandler } from 'hono';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Db } from '../db/open.js';

/** Creates the collector's Prometheus metrics in a registry of their own, so that apps do not share counters. */
export function createMetrics(db: Db) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'patron_process_' });

  const requests = new Counter({
    name: 'patron_http_requests_total',
    help: 'HTTP requests by route, method and status.',
    labelNames: ['route', 'method', 'status'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'patron_http_request_duration_seconds',
    help: 'Time to respond to an HTTP request, in seconds, by route and method.',
    labelNames: ['route', 'method'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const events = new Counter({
    name: 'patron_events_total',
    help: 'Events received, by site and outcome: accepted, duplicate or rejected (quarantined).',
    labelNames: ['site', 'outcome'],
    registers: [registry],
  });
  const dropped = new Counter({
    name: 'patron_events_dropped_by_browsers_total',
    help: "Events browsers reported dropping because their saved queue was full.",
    labelNames: ['site'],
    registers: [registry],
  });
  const admitted = new Counter({
    name: 'patron_requests_admitted_total',
    help: 'Event and offer requests admitted, by route and admission tier.',
    labelNames: ['route', 'tier'],
    registers: [registry],
  });
  const shed = new Counter({
    name: 'patron_requests_shed_total',
    help: 'Event and offer requests shed under overload, by route and admission tier.',
    labelNames: ['route', 'tier'],
    registers: [registry],
  });
  new Gauge({
    name: 'patron_database_size_bytes',
    help: 'Size of the SQLite database file, in bytes.',
    registers: [registry],
    collect() {
      const pages = db.$client.pragma('page_count', { simple: true }) as number;
      const pageSize = db.$client.pragma('page_size', { simple: true }) as number;
      this.set(pages * pageSize);
    },
  });

  /** Counts and times every request, labelled by the route that matched rather than the raw path. */
  const middleware: MiddlewareHandler = async (c, next) => {
    const end = duration.startTimer();
    await next();
    const route = c.req.routePath === '/*' ? 'static' : c.req.routePath;
    end({ route, method: c.req.method });
    requests.inc({ route, method: c.req.method, status: String(c.res.status) });
  };

  return { registry, middleware, events, dropped, admitted, shed };
}

export type Metrics = ReturnType<typeof createMetrics>;
