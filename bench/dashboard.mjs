// Times the dashboard's pages on a large shop: a SQLite file of about 1,000,000 events, 100,000
// visitors and their orders, filled with bare SQL by the performance benchmark's generator
// (perf-fill.mjs), then opened by the collector's own openDatabase, which applies pending
// migrations. Each page is requested through the collector's app, signed in as the shop owner, so
// the figures include rendering. Run it alone, after `pnpm build`:
//
//   flock /tmp/patron-bench.lock node bench/dashboard.mjs [--runs 5] [--events 1000000] [--visitors 100000] [--db file]
//
// The first run fills the file (about a minute on 2 cores) under /var/tmp/patron-dashboard, or the
// folder in PATRON_DASHBOARD_BENCH_DIR; later runs reuse it. `--db` times a copy of such a file
// instead, such as one without the dashboard's indexes, to compare.
import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { CURRENCY, SITE_KEY } from './perf-data.mjs';
import { cachedFilledDatabase } from './perf-fill.mjs';

const root = new URL('..', import.meta.url).pathname;
const SECRET = 'dashboard-benchmark-secret-key-0123456789';
const ORIGIN = 'http://localhost';

const { values: options } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    events: { type: 'string', default: '1000000' },
    visitors: { type: 'string', default: '100000' },
    db: { type: 'string' },
  },
});
const runs = Number(options.runs);
const log = (line) => process.stderr.write(`${line}\n`);

const collector = await import(pathToFileURL(join(root, 'apps/collector/dist/index.js')).href);
const filled = options.db ? { path: options.db } : await cachedFilledDatabase({
  cacheDir: process.env.PATRON_DASHBOARD_BENCH_DIR || '/var/tmp/patron-dashboard',
  visitors: Number(options.visitors),
  events: Number(options.events),
  log,
});

// Opening applies the migrations this build has and the file lacks, such as new indexes.
let started = performance.now();
const db = collector.openDatabase(filled.path);
log(`dashboard: opened and migrated ${filled.path} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
// Other programs may have pushed the file out of the OS's cache, which would make the first
// requests slow for reasons of their own: read it once, so that every figure starts from memory.
for (const suffix of ['', '-wal']) {
  if (!existsSync(`${filled.path}${suffix}`)) continue;
  for await (const chunk of createReadStream(`${filled.path}${suffix}`, { highWaterMark: 1 << 20 })) void chunk;
}
const config = collector.parseConfig({ sites: [{ key: SITE_KEY, currency: CURRENCY, allowedOrigins: ['https://shop.example'], secretKey: SECRET }] });
const app = collector.createApp({ db, config, logger: collector.createLogger('silent') });

const session = await signIn();
const get = async (path) => {
  const response = await app.request(`${ORIGIN}${path}`, { headers: { Cookie: `patron_dashboard=${session}` } });
  const body = await response.text();
  if (response.status !== 200) throw new Error(`GET ${path} returned ${response.status}: ${body.slice(0, 300)}`);
  return body;
};

const counts = db.$client.prepare('SELECT (SELECT count(*) FROM events) AS events, (SELECT count(*) FROM orders) AS orders, (SELECT count(*) FROM profiles) AS profiles').get();
const best = db.$client.prepare("SELECT id FROM profiles WHERE site_key = ? AND orders > 0 ORDER BY revenue DESC LIMIT 1").get(SITE_KEY)?.id;
const pages = [
  ['Overview, last 7 days', '/dashboard?period=7d'],
  ['Overview, last 30 days', '/dashboard?period=30d'],
  ['Overview, last 90 days', '/dashboard?period=90d'],
  ['Overview, last 12 months', '/dashboard?period=12m'],
  ['Overview, all time', '/dashboard?period=all'],
  ['Overview, last 30 days, Europe/London', '/dashboard?period=30d&tz=Europe/London'],
  ['Customers, first page', '/dashboard/customers'],
  ['Customers, search by a name', '/dashboard/customers?q=Ada%20Lovelace'],
  ...(best ? [['Customer, the best', `/dashboard/customers/${encodeURIComponent(best)}`]] : []),
];

console.log('"First" is the first request for the page in this process, before the dashboard has remembered any of its buckets.\n');
console.log(`Dashboard pages on ${counts.events.toLocaleString('en')} events, ${counts.orders.toLocaleString('en')} orders and ${counts.profiles.toLocaleString('en')} profiles (${runs} runs each after one warm-up, Node ${process.version})\n`);
console.log('| Page | First | Median | Max |');
console.log('| --- | ---: | ---: | ---: |');
for (const [label, path] of pages) {
  started = performance.now();
  await get(path);
  const first = performance.now() - started;
  const times = [];
  for (let run = 0; run < runs; run++) {
    started = performance.now();
    await get(path);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const ms = (value) => `${value.toFixed(0)} ms`;
  console.log(`| ${label} | ${ms(first)} | ${ms(times[Math.floor(times.length / 2)])} | ${ms(times[times.length - 1])} |`);
}
db.$client.close();

/** Signs in through the dashboard's form and returns the session cookie's value. */
async function signIn() {
  const form = await app.request(`${ORIGIN}/dashboard/login`);
  const token = /name="csrf" value="([^"]+)"/.exec(await form.text())?.[1];
  const loginCookie = form.headers.getSetCookie().map((header) => header.split(';')[0]).join('; ');
  const response = await app.request(`${ORIGIN}/dashboard/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: ORIGIN, Cookie: loginCookie },
    body: new URLSearchParams({ csrf: token ?? '', site: SITE_KEY, secret: SECRET }).toString(),
  });
  const cookie = response.headers.getSetCookie().find((header) => header.startsWith('patron_dashboard='));
  if (response.status !== 303 || !cookie) throw new Error(`signing in returned ${response.status}`);
  return cookie.split(';')[0].slice('patron_dashboard='.length);
}
