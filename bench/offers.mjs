// Times offer decisions (POST /v1/offer) in a collector started as a user runs it, on a database
// of 100,000 synthetic profiles for one site. Each decision reads the visitor's profile, sessions,
// orders, earlier decisions and kept assignments, and writes a row to `decisions`, so the load is
// reads and writes together. The data is made here, with a fixed seed, so no data set is needed.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { Pool } from 'undici';
import { createRandom } from './perf-data.mjs';

const root = new URL('..', import.meta.url).pathname;
const SITE_KEY = 'bench-shop';
const DAY_MS = 24 * 60 * 60 * 1000;

/** Settings of a run: the data's size, the request rate and how long each phase lasts. */
const defaults = {
  profiles: 100_000,
  /**
   * Requests per second of the measured phase, sent on a fixed schedule whatever the responses:
   * a busy shop's peak, with a banner on each of 360,000 page views an hour.
   */
  rate: 100,
  warmUpSeconds: 3,
  measureSeconds: 10,
  /** Requests in flight at once when measuring the maximum throughput. */
  flatOutConnections: 4,
  flatOutSeconds: 5,
  /** Share of requests for visitors stored in the database. The rest carry new visitor ids. */
  knownShare: 0.9,
};

// Products of the synthetic shop: prices in pence.
const categories = ['Kitchen', 'Tableware', 'Garden', 'Outdoor', 'Bedding', 'Bath', 'Lighting', 'Decor'];
const catalog = Array.from({ length: 48 }, (_, index) => ({
  id: `sku-${index + 1}`,
  name: `${categories[index % categories.length]} item ${Math.floor(index / categories.length) + 1}`,
  category: categories[index % categories.length],
  price: 500 + ((index * 737) % 9500),
}));

const pages = ['/', '/cart?utm_source=mail', '/category/kitchen', '/products/sku-12', '/?utm_source=google&utm_medium=cpc', '/checkout', '/category/garden?utm_campaign=spring'];
const userAgents = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
];

const pick = (random, list) => list[Math.floor(random() * list.length)];
const between = (random, low, high) => low + Math.floor(random() * (high - low + 1));

const idBytes = Buffer.alloc(16);

/** Returns 32 hexadecimal digits, the form of the tracker's visitor, session and page ids. */
function makeId(random) {
  for (let offset = 0; offset < 16; offset += 4) idBytes.writeUInt32BE(Math.floor(random() * 2 ** 32), offset);
  return idBytes.toString('hex');
}

/** Draws from Gamma(shape, 1) by Marsaglia and Tsang's method, with their boost for shapes below 1. */
function sampleGamma(random, shape) {
  if (shape < 1) return sampleGamma(random, shape + 1) * random() ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const normal = Math.sqrt(-2 * Math.log(random())) * Math.cos(2 * Math.PI * random());
    const v = (1 + c * normal) ** 3;
    if (v > 0 && Math.log(random()) < normal ** 2 / 2 + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** Draws from Beta(a, b) as X / (X + Y) with X ~ Gamma(a) and Y ~ Gamma(b). */
function sampleBeta(random, a, b) {
  const x = sampleGamma(random, a);
  return x / (x + sampleGamma(random, b));
}

/**
 * Returns a customer's order times from the first order to now, drawn as BG/NBD assumes: orders
 * per week ~ Gamma(0.5, 6) and, after each repeat order, a chance ~ Beta(1, 3) of never ordering
 * again. Three customers in four order once or twice, and about one in a hundred more than ten times.
 *
 * NOTE: the collector fits BG/NBD to these orders when it starts, and that fit ran for minutes on
 * histories cut at a fixed number of orders, so the counts here are left uncut.
 */
function simulateOrders(random, firstOrderAt, now) {
  const ordersPerWeek = sampleGamma(random, 0.5) / 6;
  const stopChance = sampleBeta(random, 1, 3);
  const times = [firstOrderAt];
  for (;;) {
    const next = times[times.length - 1] + Math.floor((-Math.log(random()) / ordersPerWeek) * 7 * DAY_MS);
    if (next > now) return times;
    times.push(next);
    if (random() < stopChance) return times;
  }
}

/** Returns the bench site's configuration, with eight offers that use targeting, schedules, variants, control groups and caps. */
function benchConfig(now) {
  const iso = (time) => new Date(time).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const offers = [
    {
      id: 'basket-reminder',
      priority: 50,
      placements: ['banner'],
      title: 'Your basket is waiting',
      link: '/cart',
      when: { fact: 'cart.abandoned', op: 'eq', value: true },
      variants: [
        { id: 'ten-off', message: 'Finish your order today and take 10% off.', code: 'BASKET10' },
        { id: 'free-delivery', message: 'Finish your order today and delivery is free.', code: 'SHIPFREE' },
      ],
      controlShare: 0.1,
      caps: { perSession: 1, perDay: 2, lifetime: 6 },
    },
    {
      id: 'win-back',
      priority: 40,
      placements: ['banner'],
      title: 'We have missed you',
      message: 'Here is 15% off to welcome you back.',
      code: 'COMEBACK15',
      when: { fact: 'customer.segment', op: 'in', value: ['at risk', "can't lose"] },
      caps: { perWeek: 2, lifetime: 6 },
    },
    {
      id: 'champions-thanks',
      priority: 30,
      placements: ['banner'],
      title: 'Thank you for being one of our best customers',
      message: 'Early access to the new collection is open for you.',
      link: '/new',
      when: { any: [{ fact: 'customer.segment', op: 'eq', value: 'champions' }, { fact: 'customer.tier', op: 'in', value: ['platinum', 'gold'] }] },
      caps: { perDay: 1, lifetime: 4 },
    },
    {
      id: 'garden-season',
      priority: 25,
      placements: ['banner'],
      schedule: { start: iso(now - 3 * DAY_MS), end: iso(now + 30 * DAY_MS) },
      title: 'Garden season',
      message: 'Everything for the garden, 20% off this month.',
      code: 'GARDEN20',
      when: {
        any: [
          { fact: 'interests.categories', op: 'containsAny', value: ['Garden', 'Outdoor'] },
          { fact: 'cart.categories', op: 'containsAny', value: ['Garden', 'Outdoor'] },
        ],
      },
      caps: { perDay: 1 },
    },
    {
      id: 'kitchen-picks',
      priority: 20,
      placements: ['banner'],
      title: 'Picked for your kitchen',
      message: 'New mugs, pans and plates, chosen from what you looked at.',
      link: '/category/kitchen',
      when: {
        all: [
          { fact: 'interests.categories', op: 'containsAny', value: ['Kitchen', 'Tableware'] },
          { fact: 'cart.quantity', op: 'eq', value: 0 },
        ],
      },
      caps: { perDay: 1, perWeek: 3 },
    },
    {
      id: 'mail-free-delivery',
      priority: 15,
      placements: ['banner'],
      title: 'Free delivery from our newsletter',
      message: 'Delivery is free on this order.',
      code: 'MAILSHIP',
      when: {
        all: [
          { fact: 'utm.source', op: 'eq', value: 'mail' },
          { fact: 'page.path', op: 'startsWith', value: '/cart' },
        ],
      },
      caps: { perSession: 1 },
    },
    {
      id: 'first-order',
      priority: 10,
      placements: ['banner'],
      title: 'Welcome',
      message: 'Take 10% off your first order.',
      code: 'WELCOME10',
      when: {
        all: [
          { fact: 'visitor.new', op: 'eq', value: true },
          { fact: 'orders.count', op: 'eq', value: 0 },
        ],
      },
      caps: { perSession: 1, lifetime: 3 },
    },
    {
      id: 'spring-preview',
      priority: 60,
      placements: ['banner'],
      // Starts in a month, so every decision checks and skips it.
      schedule: { start: iso(now + 30 * DAY_MS) },
      title: 'Spring preview',
      message: 'See the spring collection before anyone else.',
      when: { fact: 'visitor.returning', op: 'eq', value: true },
    },
  ];
  return {
    sites: [
      {
        key: SITE_KEY,
        name: 'Benchmark shop',
        allowedOrigins: ['*'],
        currency: 'GBP',
        offers,
        offerSettings: { holdoutShare: 0.02, caps: { perPageView: 1, perDay: 4 } },
      },
    ],
  };
}

/**
 * Returns a customer's RFM segment, scores and value tier, roughly. The collector rescores every
 * customer by quintile when it starts, replacing these.
 */
function roughScores(orderCount, lastOrderAt, revenue, now) {
  if (lastOrderAt === null) return { segment: null, rfm: null, tier: null };

  const recency = 5 - Math.min(4, Math.floor((now - lastOrderAt) / (73 * DAY_MS)));
  const frequency = Math.min(5, orderCount);
  const monetary = Math.min(5, 1 + Math.floor(revenue / 8000));
  let segment = 'need attention';
  if (recency === 5 && frequency >= 4) segment = 'champions';
  else if (recency <= 2 && frequency >= 3) segment = 'at risk';
  else if (recency <= 2) segment = 'hibernating';
  let tier = 'bronze';
  if (revenue > 60_000) tier = 'gold';
  else if (revenue > 25_000) tier = 'silver';
  return { segment, rfm: JSON.stringify({ r: recency, f: frequency, m: monetary, computedAt: now }), tier };
}

/**
 * Fills the database with the site's profiles and their history, through better-sqlite3 in one
 * transaction. Returns the visitor ids with each one's latest session, for building requests.
 */
function fillDatabase(sqlite, config, now, random) {
  const offers = config.sites[0].offers;
  const insert = {
    profile: sqlite.prepare(`INSERT INTO profiles (site_key, id, user_id, first_seen, last_seen, sessions, page_views, product_views, orders, revenue, refunded,
      first_order_at, last_order_at, cart, cart_value, cart_updated_at, interests, bought, segment, rfm, tier)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    identity: sqlite.prepare('INSERT INTO identities (site_key, visitor_id, profile_id) VALUES (?, ?, ?)'),
    session: sqlite.prepare('INSERT INTO sessions (site_key, id, profile_id, started_at) VALUES (?, ?, ?, ?)'),
    order: sqlite.prepare(`INSERT INTO orders (site_key, transaction_id, profile_id, visitor_id, session_id, placed_at, currency, value, items, source, confirmed)
      VALUES (?, ?, ?, ?, ?, ?, 'GBP', ?, ?, ?, ?)`),
    decision: sqlite.prepare(`INSERT INTO decisions (site_key, id, visitor_id, session_id, page_id, placement, offer_id, variant, group_name, forced, reasons, decided_at)
      VALUES (?, ?, ?, ?, ?, 'banner', ?, ?, ?, 0, '[]', ?)`),
    assignment: sqlite.prepare('INSERT INTO assignments (site_key, visitor_id, offer_id, variant, group_name, assigned_at) VALUES (?, ?, ?, ?, ?, ?)'),
  };
  const counts = Object.fromEntries(Object.keys(insert).map((table) => [table, 0]));
  const add = Object.fromEntries(
    Object.entries(insert).map(([table, statement]) => [
      table,
      (row) => {
        statement.run(row);
        counts[table]++;
      },
    ]),
  );
  const visitors = [];

  const addProfile = (index) => {
    // One in twenty people has signed in, on two devices: a u: profile with two visitor ids.
    const identified = random() < 0.05;
    const visitorIds = identified ? [makeId(random), makeId(random)] : [makeId(random)];
    const profileId = identified ? `u:customer-${index}` : `v:${visitorIds[0]}`;
    for (const visitorId of visitorIds) add.identity([SITE_KEY, visitorId, profileId]);

    // A third of people are customers, with a first order in their first 30 days. A third of people
    // have one session and the rest up to 20, or one more than their orders where that is more:
    // the first visit, one per order and the rest at random times since the first visit.
    const firstSeen = now - Math.floor(random() * 365 * DAY_MS);
    const orderTimes = random() < 1 / 3 ? simulateOrders(random, firstSeen + Math.floor(random() * Math.min(30 * DAY_MS, now - firstSeen)), now) : [];
    const sessionCount = Math.max(orderTimes.length + 1, 1 + Math.floor(19 * random() ** 5));
    const otherTimes = Array.from({ length: sessionCount - orderTimes.length - 1 }, () => firstSeen + Math.floor(random() * (now - firstSeen)));
    const sessions = [firstSeen, ...orderTimes, ...otherTimes].sort((a, b) => a - b).map((time) => ({ time, id: makeId(random) }));
    for (const session of sessions) add.session([SITE_KEY, session.id, profileId, session.time]);

    const bought = new Set();
    let revenue = 0;
    const basketSize = between(random, 1, 4);
    orderTimes.forEach((placedAt, k) => {
      const items = Array.from({ length: between(random, 1, basketSize) }, () => ({ ...pick(random, catalog), quantity: between(random, 1, 2) }));
      const value = items.reduce((sum, item) => sum + item.price * item.quantity, 0);
      const imported = random() < 0.3;
      const sessionId = sessions.find((session) => session.time === placedAt).id;
      add.order([SITE_KEY, `T${index}-${k}`, profileId, visitorIds[0], sessionId, placedAt, value, JSON.stringify(items), imported ? 'import' : 'browser', imported ? 1 : 0]);
      items.forEach((item) => bought.add(item.id));
      revenue += value;
    });

    // Products viewed, from none to eight, and the products bought.
    const viewed = random() < 0.7 ? Array.from({ length: between(random, 1, 8) }, () => pick(random, catalog)) : [];
    const interests = { categories: {}, products: {} };
    for (const product of [...viewed, ...catalog.filter((candidate) => bought.has(candidate.id))]) {
      const views = between(random, 1, 5);
      const last = pick(random, sessions).time;
      const entry = (interests.products[product.id] ??= { name: product.name, category: product.category, count: 0, last });
      entry.count += views;
      entry.last = Math.max(entry.last, last);
      const category = (interests.categories[product.category] ??= { count: 0, last });
      category.count += views;
      category.last = Math.max(category.last, last);
    }

    // One in seven has a cart. A fifth of those changed it in the last half hour, so it is not yet abandoned.
    const cart = random() < 0.15 ? Array.from({ length: between(random, 1, 3) }, () => ({ ...pick(random, catalog), quantity: between(random, 1, 2), currency: 'GBP' })) : [];
    const cartValue = cart.reduce((sum, line) => sum + line.price * line.quantity, 0);
    let cartUpdatedAt = null;
    if (cart.length > 0) cartUpdatedAt = now - Math.floor(random() < 0.2 ? random() * 30 * 60_000 : random() * 30 * DAY_MS);

    const orderCount = orderTimes.length;
    const lastOrderAt = orderCount ? orderTimes[orderCount - 1] : null;
    const { segment, rfm, tier } = roughScores(orderCount, lastOrderAt, revenue, now);

    const pageViews = sessionCount * between(random, 1, 8);
    const productViews = Object.values(interests.products).reduce((sum, product) => sum + product.count, 0);
    add.profile([
      SITE_KEY, profileId, identified ? `customer-${index}` : null, firstSeen, sessions[sessionCount - 1].time, sessionCount, Math.max(pageViews, productViews), productViews,
      orderCount, revenue, orderCount ? orderTimes[0] : null, lastOrderAt, JSON.stringify(cart), cartValue, cartUpdatedAt,
      JSON.stringify(interests), JSON.stringify([...bought]), segment, rfm, tier,
    ]);

    // Three in ten were decided for before, in their latest session, over the last two weeks, so
    // that caps count real rows and kept assignments are found.
    const latestSession = sessions[sessionCount - 1].id;
    if (random() < 0.3) addEarlierDecisions(visitorIds[0], latestSession);

    for (const visitorId of visitorIds) visitors.push({ visitorId, latestSession });
  };

  const addEarlierDecisions = (visitorId, sessionId) => {
    const heldOut = random() < 0.02;
    const firstAt = now - Math.floor(random() * 14 * DAY_MS);
    add.assignment([SITE_KEY, visitorId, '*', null, heldOut ? 'holdout' : 'treatment', firstAt]);
    const assigned = new Set();
    const decisionCount = between(random, 1, 6);
    for (let k = 0; k < decisionCount; k++) {
      const decidedAt = k === 0 ? firstAt : firstAt + Math.floor(random() * (now - firstAt));
      let offer = null;
      let variant = null;
      let group = heldOut ? 'holdout' : null;
      if (!heldOut && random() < 0.8) {
        offer = pick(random, offers.slice(0, 7));
        group = random() < (offer.controlShare ?? 0) ? 'control' : 'treatment';
        variant = group === 'control' ? null : (offer.variants ? pick(random, offer.variants).id : 'default');
        if (!assigned.has(offer.id)) add.assignment([SITE_KEY, visitorId, offer.id, variant, group, decidedAt]);
        assigned.add(offer.id);
      }
      add.decision([SITE_KEY, makeId(random), visitorId, sessionId, makeId(random), offer?.id ?? null, variant, group, decidedAt]);
    }
  };

  sqlite.transaction(() => {
    for (let index = 0; index < defaults.profiles; index++) addProfile(index);
  })();
  sqlite.exec('ANALYZE');
  return {
    visitors,
    counts: {
      profiles: counts.profile,
      visitors: visitors.length,
      sessions: counts.session,
      orders: counts.order,
      decisions: counts.decision,
      assignments: counts.assignment,
    },
  };
}

/** Builds the database and configuration in `dir`. Returns their paths, the visitors for requests and the row counts. */
async function prepare(dir, now) {
  const { openDatabase } = await import('../apps/collector/dist/index.js');
  const config = benchConfig(now);
  const configPath = join(dir, 'patron.config.json');
  writeFileSync(configPath, `${JSON.stringify(config, null, 2)}\n`);

  const dbPath = join(dir, 'patron.db');
  const sqlite = openDatabase(dbPath).$client;
  try {
    // The fill writes a throwaway database, so it skips the journal and the syncs that protect the
    // collector's own writes. The collector turns WAL on again when it opens the file.
    sqlite.pragma('journal_mode = OFF');
    sqlite.pragma('synchronous = OFF');
    // Session and decision ids are random, so their index pages are written all over the file. A
    // cache of 256 MiB keeps those pages in memory until the commit.
    sqlite.pragma('cache_size = -262144');
    return { configPath, dbPath, ...fillDatabase(sqlite, config, now, createRandom(20_261_204)) };
  } finally {
    sqlite.close();
  }
}

/**
 * Starts `patron serve` on a free loopback port and waits until GET /healthz responds with 200.
 * Returns the base URL, the child process and its last output lines, for error messages.
 */
async function startServer(configPath, dbPath) {
  const env = { ...process.env };
  // Flags set the port, database and configuration. These two variables would make /metrics require
  // a token or serve a folder of files, so the collector does not inherit them.
  delete env.PATRON_METRICS_TOKEN;
  delete env.PATRON_PUBLIC;
  // The benchmark waits for the log line of the first scoring run.
  env.PATRON_LOG_LEVEL = 'info';
  const child = spawn(process.execPath, [join(root, 'apps/collector/bin/patron.js'), 'serve', '--host', '127.0.0.1', '--port', '0', '--db', dbPath, '--config', configPath], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = [];
  let scored = false;
  const keep = (chunk) => {
    const lines = chunk.toString().split('\n').filter(Boolean);
    if (lines.some((line) => line.includes('"msg":"scoring run finished"'))) scored = true;
    output.push(...lines);
    output.splice(0, Math.max(0, output.length - 20));
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const server = { child, output, url: undefined };

  const deadline = performance.now() + 60_000;
  while (performance.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`patron serve exited with code ${child.exitCode} before /healthz responded; its last output:\n${output.join('\n')}`);
    server.url ??= output.map((line) => /listening on (http:\/\/\S+)/.exec(line)?.[1]).find(Boolean);
    // The collector scores its customers in a worker thread after it listens. The measurement
    // starts after that first run, because its writes would compete with the decisions.
    if (server.url && scored) {
      const response = await fetch(`${server.url}/healthz`).catch(() => undefined);
      if (response?.ok) return server;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stopServer(server);
  throw new Error(`patron serve timed out: it did not finish its first scoring run and respond to /healthz with 200 within 60 s. Its last output:\n${output.join('\n')}`);
}

/** Sends SIGTERM, which makes the collector finish requests in flight and close the database, and kills it after 10 s. */
async function stopServer({ child }) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Returns a function that builds the next offer request: mostly known visitors, some in the session they were decided for before. */
function requestMaker(visitors, random) {
  return () => {
    const known = random() < defaults.knownShare;
    const visitor = known ? pick(random, visitors) : { visitorId: makeId(random), latestSession: undefined };
    const sessionId = visitor.latestSession && random() < 0.4 ? visitor.latestSession : makeId(random);
    const body = {
      siteKey: SITE_KEY,
      visitorId: visitor.visitorId,
      placement: 'banner',
      context: { sessionId, pageId: makeId(random), url: `https://shop.example${pick(random, pages)}` },
    };
    return { body: JSON.stringify(body), userAgent: pick(random, userAgents) };
  };
}

/** Counts of what requests returned, with the latency of each response in milliseconds. */
function createTally() {
  return { latencies: [], failed: 0, non2xx: 0, lastFailure: undefined, outcomes: { offer: 0, control: 0, holdout: 0, none: 0 } };
}

/** Sends one offer request and records its latency, from the call until the whole body arrived. */
async function timedRequest(pool, { body, userAgent }, tally) {
  const started = performance.now();
  try {
    const response = await pool.request({ path: '/v1/offer', method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': userAgent }, body });
    const text = await response.body.text();
    tally.latencies.push(performance.now() - started);
    if (response.statusCode < 200 || response.statusCode > 299) {
      tally.non2xx++;
      tally.lastFailure = `HTTP ${response.statusCode}: ${text.slice(0, 200)}`;
      return;
    }
    const { offer, assignment } = JSON.parse(text);
    tally.outcomes[offer ? 'offer' : (assignment?.group ?? 'none')]++;
  } catch (error) {
    tally.failed++;
    tally.lastFailure = error.message;
  }
}

/**
 * Sends `rate` requests per second for `seconds`, each at its scheduled time whether or not the
 * earlier responses arrived, so a slow response delays no later request (an open loop).
 */
async function loadAtRate(pool, nextRequest, rate, seconds) {
  const tally = createTally();
  const total = Math.round(rate * seconds);
  const pending = [];
  const started = performance.now();
  await new Promise((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - started) * rate) / 1000) + 1);
      while (pending.length < due) pending.push(timedRequest(pool, nextRequest(), tally));
      if (pending.length < total) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  await Promise.all(pending);
  return { ...summarize(tally), seconds: (performance.now() - started) / 1000 };
}

/** Keeps `connections` requests in flight for `seconds`, each sent as soon as the response to the one before it arrived. */
async function loadFlatOut(pool, nextRequest, connections, seconds) {
  const tally = createTally();
  const started = performance.now();
  const end = started + seconds * 1000;
  const worker = async () => {
    while (performance.now() < end) await timedRequest(pool, nextRequest(), tally);
  };
  await Promise.all(Array.from({ length: connections }, worker));
  const elapsed = (performance.now() - started) / 1000;
  return { ...summarize(tally), seconds: elapsed, perSecond: tally.latencies.length / elapsed };
}

/** Returns the request counts and the latency percentiles (nearest rank), in milliseconds. */
function summarize(tally) {
  const sorted = Float64Array.from(tally.latencies).sort();
  const percentile = (share) => sorted[Math.max(0, Math.ceil(share * sorted.length) - 1)] ?? NaN;
  return {
    requests: sorted.length + tally.failed,
    succeeded: sorted.length - tally.non2xx,
    failed: tally.failed,
    non2xx: tally.non2xx,
    lastFailure: tally.lastFailure,
    outcomes: tally.outcomes,
    p50: percentile(0.5),
    p90: percentile(0.9),
    p99: percentile(0.99),
    max: sorted[sorted.length - 1] ?? NaN,
  };
}

/** Reads the collector's own request-time histogram for /v1/offer and its resident memory from GET /metrics. */
async function readMetrics(url) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = (pattern) => Number(text.split('\n').find((line) => pattern.test(line))?.split(' ').pop() ?? NaN);
  const offerLine = (suffix, extra = /(?:)/) => new RegExp(`^patron_http_request_duration_seconds_${suffix}\\{(?=.*route="/v1/offer")(?=.*${extra.source}).*\\}`);
  return {
    offerRequests: value(offerLine('count')),
    offerRequestsWithin5ms: value(offerLine('bucket', /le="0\.005"/)),
    residentMemoryBytes: value(/^patron_process_\w*resident_memory_bytes /),
  };
}

/** Counts the decisions stored, read after the collector stopped. */
async function countDecisions(dbPath) {
  const { openDatabase } = await import('../apps/collector/dist/index.js');
  const sqlite = openDatabase(dbPath).$client;
  try {
    return sqlite.prepare('SELECT count(*) AS n FROM decisions').get().n;
  } finally {
    sqlite.close();
  }
}

/**
 * Builds the database, starts the collector, warms it up, then measures a fixed rate and the
 * maximum throughput. Returns the data's size, both measurements (latencies in milliseconds),
 * the collector's own view of the fixed-rate phase, the machine's 1-minute load average after
 * that phase and the collector's resident memory.
 */
export async function measureOffers() {
  const dir = mkdtempSync(join(tmpdir(), 'patron-offers-'));
  // Ctrl+C reaches the collector as well, which stops by itself, so only the files are left to remove.
  const removeOnInterrupt = () => {
    rmSync(dir, { recursive: true, force: true });
    process.exit(130);
  };
  process.once('SIGINT', removeOnInterrupt);
  let server;
  let pool;
  try {
    const now = Date.now();
    let started = performance.now();
    const { configPath, dbPath, visitors, counts } = await prepare(dir, now);
    const fillSeconds = (performance.now() - started) / 1000;

    started = performance.now();
    server = await startServer(configPath, dbPath);
    const startSeconds = (performance.now() - started) / 1000;

    pool = new Pool(server.url, { connections: 16 });
    const nextRequest = requestMaker(visitors, createRandom(42));
    const warmUp = await loadAtRate(pool, nextRequest, defaults.rate, defaults.warmUpSeconds);
    const before = await readMetrics(server.url);
    const atRate = await loadAtRate(pool, nextRequest, defaults.rate, defaults.measureSeconds);
    const after = await readMetrics(server.url);
    // Other programs on the machine take CPU time from the collector and the client alike.
    const [loadAverage] = loadavg();
    await pool.close();

    pool = new Pool(server.url, { connections: defaults.flatOutConnections });
    const flatOut = await loadFlatOut(pool, nextRequest, defaults.flatOutConnections, defaults.flatOutSeconds);
    await pool.close();
    pool = undefined;
    const { residentMemoryBytes } = await readMetrics(server.url);

    await stopServer(server);
    const decisionsAdded = (await countDecisions(dbPath)) - counts.decisions;
    return {
      data: counts,
      fillSeconds,
      startSeconds,
      rate: defaults.rate,
      measureSeconds: defaults.measureSeconds,
      atRate,
      loadAverage,
      collectorWithin5ms: (after.offerRequestsWithin5ms - before.offerRequestsWithin5ms) / (after.offerRequests - before.offerRequests),
      flatOut: { connections: defaults.flatOutConnections, ...flatOut },
      decisionsAdded,
      decisionsAnswered: warmUp.succeeded + atRate.succeeded + flatOut.succeeded,
      residentMemoryBytes,
    };
  } finally {
    process.off('SIGINT', removeOnInterrupt);
    await pool?.destroy();
    if (server) await stopServer(server);
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(JSON.stringify(await measureOffers(), null, 2));
}
