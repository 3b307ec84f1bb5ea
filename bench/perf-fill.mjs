// Fills a collector database with a large synthetic shop using bare SQL, for the growth part of
// the performance benchmark: visitors with profiles, identities, sessions, events, orders, offer
// decisions and assignments. Rows follow the collector's own formats (minor units, 32-digit ids,
// the profile JSON columns), so the collector reads and updates them as its own.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { CURRENCY, DAY_MS, ORIGIN, SITE_KEY, createRandom, hashedId, hex8, offers, paths, products, referrers, sessionId, titles, visitorId } from './perf-data.mjs';

const root = new URL('..', import.meta.url).pathname;
const collectorRequire = createRequire(join(root, 'apps/collector/package.json'));
const Database = collectorRequire('better-sqlite3');

/** Bump when the generated data changes, so that a cached database of the old shape is rebuilt. */
const FILL_VERSION = 1;
/** Visitors handled per transaction: large, because nothing else uses the database during the fill. */
const VISITORS_PER_TRANSACTION = 20_000;
const DECISION_ID = 3;
const EVENTS_PER_STATEMENT = 10;
const EVENT_PARAMETERS = 15;
const eventColumns = 'INSERT INTO events (site_key, id, type, name, visitor_id, session_id, user_id, occurred_at, client_time, received_at, url, referrer, title, transaction_id, currency, value, items, data)';
const eventValues = '(?, ?, ?, NULL, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)';

/** Creates the database at `path`, or applies its pending migrations, with the collector's own openDatabase, then closes it. */
export async function migrateDatabase(path) {
  const { openDatabase } = await import(pathToFileURL(join(root, 'apps/collector/dist/index.js')).href);
  openDatabase(path).$client.close();
}

/**
 * Returns the path of a filled database and the counts of its fill. An earlier run's file under
 * `cacheDir` with the same parameters is reused, else a new one is filled, which takes minutes. The
 * cached file is used in place, so each run adds the rows its load stores (under 1 % of the fill).
 */
export async function cachedFilledDatabase({ cacheDir, visitors, events, log = console.log }) {
  mkdirSync(cacheDir, { recursive: true });
  const name = `filled-v${FILL_VERSION}-${visitors}-visitors-${events}-events`;
  const path = join(cacheDir, `${name}.db`);
  const summaryPath = join(cacheDir, `${name}.json`);
  if (existsSync(path) && existsSync(summaryPath)) {
    log(`perf: reusing the filled database ${path}`);
    return { path, reused: true, ...JSON.parse(readFileSync(summaryPath, 'utf8')) };
  }

  // Fill a file of another name and rename it at the end, so an interrupted fill is never reused.
  const partial = join(cacheDir, `${name}.partial.db`);
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${partial}${suffix}`, { force: true });
  rmSync(summaryPath, { force: true });
  const summary = await fillDatabase(partial, { visitors, events, log });
  renameSync(partial, path);
  writeFileSync(summaryPath, `${JSON.stringify(summary, null, 2)}\n`);
  return { path, reused: false, ...summary };
}

/**
 * Creates the database at `path` and fills it with `visitors` visitors who leave `events` events
 * in all. Returns the row counts, the seconds taken and the file's size after a checkpoint.
 */
export async function fillDatabase(path, { visitors, events, seed = 7, log = console.log }) {
  const started = performance.now();
  mkdirSync(dirname(path), { recursive: true });
  await migrateDatabase(path);

  const db = new Database(path);
  // Nothing else opens the file during the fill, and a failed fill is thrown away, so the fill
  // skips the journal and fsync. better-sqlite3 allows journal_mode = OFF only in its unsafe mode.
  // The collector's WAL mode is set again at the end.
  db.unsafeMode(true);
  const journalMode = db.pragma('journal_mode = OFF', { simple: true });
  if (journalMode !== 'off') throw new Error(`Could not turn the journal off for the fill (journal_mode is ${journalMode})`);
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -2000000');
  db.pragma('temp_store = MEMORY');

  const counts = generate(db, { visitors, events, seed, log });

  db.unsafeMode(false);
  db.pragma('journal_mode = WAL');
  db.close();

  const bytes = statSync(path).size;
  const seconds = (performance.now() - started) / 1000;
  log(`perf: filled ${path} in ${seconds.toFixed(0)} s: ${JSON.stringify(counts)}, ${(bytes / 2 ** 30).toFixed(2)} GiB`);
  return { ...counts, bytes, seconds };
}

/** Inserts the rows, visitor by visitor in the order of their ids, so the primary-key indexes grow at their end. */
function generate(db, { visitors, events, seed, log }) {
  const random = createRandom(seed);
  const now = Date.now();

  // Events per visitor: 1 plus an exponentially distributed number, so most visitors leave a few
  // events and some leave many. Visitors then gain or lose one event each until the total is exact.
  const eventCounts = new Uint16Array(visitors);
  const mean = events / visitors;
  let totalEvents = 0;
  for (let index = 0; index < visitors; index++) {
    eventCounts[index] = Math.min(400, 1 + Math.floor(-Math.log(1 - random()) * (mean - 0.5)));
    totalEvents += eventCounts[index];
  }
  for (let index = 0; totalEvents !== events; index = (index + 1) % visitors) {
    if (totalEvents < events && eventCounts[index] < 400) {
      eventCounts[index]++;
      totalEvents++;
    } else if (totalEvents > events && eventCounts[index] > 1) {
      eventCounts[index]--;
      totalEvents--;
    }
  }
  let totalSessions = 0;
  for (let index = 0; index < visitors; index++) totalSessions += sessionCountOf(eventCounts[index]);
  const ids = Array.from({ length: visitors }, (_, index) => visitorId(index));
  const byId = (a, b) => {
    if (ids[a] === ids[b]) return 0;
    return ids[a] < ids[b] ? -1 : 1;
  };
  const order = Uint32Array.from({ length: visitors }, (_, index) => index).sort(byId);

  const insert = {
    event: db.prepare(`${eventColumns} VALUES ${eventValues}`),
    events: db.prepare(`${eventColumns} VALUES ${Array(EVENTS_PER_STATEMENT).fill(eventValues).join(', ')}`),
    session: db.prepare('INSERT INTO sessions (site_key, id, profile_id, started_at) VALUES (?, ?, ?, ?)'),
    identity: db.prepare('INSERT INTO identities (site_key, visitor_id, profile_id) VALUES (?, ?, ?)'),
    profile: db.prepare(`INSERT INTO profiles (site_key, id, user_id, first_seen, last_seen, sessions, page_views, product_views, orders, revenue, refunded,
        first_order_at, last_order_at, cart, cart_value, cart_updated_at, interests, bought, traits)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, '{}')`),
    order: db.prepare(`INSERT INTO orders (site_key, transaction_id, profile_id, visitor_id, session_id, placed_at, currency, value, refunded, items, source, confirmed, coupon)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, 'browser', 0, NULL)`),
    decision: db.prepare(`INSERT INTO decisions (id, site_key, visitor_id, session_id, placement, offer_id, reasons, decided_at, page_id, variant, group_name, forced)
      VALUES (?, ?, ?, ?, 'banner', ?, ?, ?, ?, ?, ?, 0)`),
    assignment: db.prepare('INSERT INTO assignments (site_key, visitor_id, offer_id, variant, group_name, assigned_at) VALUES (?, ?, ?, ?, ?, ?)'),
  };

  const counts = { visitors, events: 0, sessions: 0, profiles: 0, orders: 0, decisions: 0 };
  // Event rows go in EVENTS_PER_STATEMENT at a time, which means fewer calls into SQLite.
  const state = { random, now, totalEvents, totalSessions, insert, counts, pendingEvents: [] };
  const insertGroup = db.transaction((from, to) => {
    for (let position = from; position < to; position++) {
      const index = order[position];
      addVisitor(state, index, ids[index], eventCounts[index]);
    }
    for (let offset = 0; offset < state.pendingEvents.length; offset += EVENT_PARAMETERS) {
      insert.event.run(state.pendingEvents.slice(offset, offset + EVENT_PARAMETERS));
    }
    state.pendingEvents.length = 0;
  });
  const started = performance.now();
  for (let from = 0; from < visitors; from += VISITORS_PER_TRANSACTION) {
    insertGroup(from, Math.min(visitors, from + VISITORS_PER_TRANSACTION));
    if ((from / VISITORS_PER_TRANSACTION) % 10 === 9) {
      const rate = counts.events / ((performance.now() - started) / 1000);
      log(`perf: ${counts.events.toLocaleString('en')} of ${totalEvents.toLocaleString('en')} events stored (${Math.round(rate).toLocaleString('en')} a second)`);
    }
  }
  return counts;
}

/** Sessions of a visitor with `eventCount` events: about four events each, at most 31. */
const sessionCountOf = (eventCount) => Math.min(31, 1 + Math.floor((eventCount - 1) / 4));

const pick = (random, list) => list[Math.floor(random() * list.length)];
const pageUrls = paths.map((path) => `${ORIGIN}${path}`);
const checkoutUrl = `${ORIGIN}/checkout/`;
const productUrls = new Map(products.map((product) => [product.id, `${ORIGIN}/products/${product.id}`]));

/** An item line as the collector stores it: price in minor units. */
const itemLine = (product, quantity = 1) => ({ id: product.id, name: product.name, category: product.category, price: product.price, quantity });

/**
 * Returns id number `serial` of `total`: 32 hex digits that rise with the serial and spread over
 * the whole range as random ids do. The fill appends to the index, and random ids stored later land
 * all over it.
 */
function spreadId(serial, total) {
  const position = Math.floor((serial / total) * 2 ** 44);
  const high = Math.floor(position / 2 ** 32);
  return hex8(high).slice(5) + hex8(position >>> 0) + '0000000000000' + hex8(serial);
}

/** Stores one visitor: sessions of page views, product views, cart changes and purchases, then the profile they add up to. */
function addVisitor(state, index, visitor, eventCount) {
  const { random, now, insert, counts } = state;
  const isUser = random() < 0.1;
  const userId = isUser ? `customer-${index}` : null;
  const profileId = isUser ? `u:${userId}` : `v:${visitor}`;
  const buyer = random() < 0.12;

  const profile = { firstSeen: 0, lastSeen: 0, sessions: 0, pageViews: 0, productViews: 0, orders: 0, revenue: 0, firstOrderAt: null, lastOrderAt: null, cart: [], cartUpdatedAt: null };
  const interests = { categories: {}, products: {} };
  const bought = new Set();
  const assigned = new Set();

  // Sessions of about four events, the first a year ago at most, each some days after the last.
  const sessionCount = sessionCountOf(eventCount);
  let at = now - Math.floor(random() * 365 * DAY_MS);
  profile.firstSeen = at;
  let remaining = eventCount;
  for (let number = 0; number < sessionCount; number++) {
    const session = sessionId(index, number);
    const size = number === sessionCount - 1 ? remaining : Math.max(1, Math.min(remaining - (sessionCount - number - 1), 1 + Math.floor(random() * 7)));
    remaining -= size;
    insert.session.run(SITE_KEY, session, profileId, at);
    profile.sessions++;

    let previousUrl = pick(random, referrers);
    for (let step = 0; step < size; step++) {
      const roll = random();
      const lastInSession = step === size - 1;
      let type = 'page_view';
      if (buyer && lastInSession && profile.cart.length > 0 && random() < 0.8) type = 'purchase';
      else if (roll < 0.16) type = 'view_item';
      else if (roll < 0.22) type = 'add_to_cart';

      const product = pick(random, products);
      let url = productUrls.get(product.id);
      if (type === 'purchase') url = checkoutUrl;
      else if (type === 'page_view') url = pick(random, pageUrls);
      let items = null;
      let value = null;
      let transactionId = null;
      if (type === 'view_item' || type === 'add_to_cart') {
        items = [itemLine(product)];
        value = product.price;
      } else if (type === 'purchase') {
        items = profile.cart.map((line) => itemLine(line, line.quantity));
        value = items.reduce((sum, line) => sum + line.price * line.quantity, 0);
        transactionId = `T${index}-${number}`;
      }

      state.pendingEvents.push(
        SITE_KEY,
        spreadId(counts.events, state.totalEvents),
        type,
        visitor,
        session,
        at,
        at - 40,
        at + 120,
        url,
        previousUrl,
        type === 'page_view' ? pick(random, titles) : product.name,
        transactionId,
        items ? CURRENCY : null,
        value,
        items ? JSON.stringify(items) : null,
      );
      if (state.pendingEvents.length === EVENTS_PER_STATEMENT * EVENT_PARAMETERS) {
        insert.events.run(state.pendingEvents);
        state.pendingEvents.length = 0;
      }
      counts.events++;
      previousUrl = url;

      if (type === 'page_view') profile.pageViews++;
      if (type === 'view_item') {
        profile.productViews++;
        const viewed = (interests.products[product.id] ??= { name: product.name, category: product.category, count: 0, last: at });
        viewed.count++;
        viewed.last = at;
        const category = (interests.categories[product.category] ??= { count: 0, last: at });
        category.count++;
        category.last = at;
      }
      if (type === 'add_to_cart') {
        const line = profile.cart.find((existing) => existing.id === product.id);
        if (line) line.quantity++;
        else profile.cart.push({ ...itemLine(product), currency: CURRENCY });
        profile.cartUpdatedAt = at;
      }
      if (type === 'purchase') {
        insert.order.run(SITE_KEY, transactionId, profileId, visitor, session, at, CURRENCY, value, JSON.stringify(items));
        counts.orders++;
        profile.orders++;
        profile.revenue += value;
        profile.firstOrderAt ??= at;
        profile.lastOrderAt = at;
        for (const line of items) bought.add(line.id);
        profile.cart = [];
        profile.cartUpdatedAt = at;
      }
      profile.lastSeen = at;
      at += 20_000 + Math.floor(random() * 60_000);
    }

    // Pages that call getOffer() leave a decision, and about half the sessions had one.
    if (random() < 0.5) addDecision(state, visitor, session, at, assigned);
    counts.sessions++;
    at = Math.min(now - 60_000, at + Math.floor(-Math.log(1 - random()) * 20 * DAY_MS));
  }

  insert.identity.run(SITE_KEY, visitor, profileId);
  const cartValue = profile.cart.reduce((sum, line) => sum + line.price * line.quantity, 0);
  insert.profile.run(
    SITE_KEY,
    profileId,
    userId,
    profile.firstSeen,
    profile.lastSeen,
    profile.sessions,
    profile.pageViews,
    profile.productViews,
    profile.orders,
    profile.revenue,
    profile.firstOrderAt,
    profile.lastOrderAt,
    JSON.stringify(profile.cart),
    cartValue,
    profile.cartUpdatedAt,
    JSON.stringify(interests),
    JSON.stringify([...bought].sort()),
  );
  counts.profiles++;
}

/**
 * Stores a decision that served one of the offers (or held it back as control), and the visitor's
 * assignment to that offer unless `assigned`, the visitor's offers so far, already has it. A
 * session has one decision at most, so the decision's id is made from the session's serial number.
 */
function addDecision(state, visitor, session, at, assigned) {
  const { random, insert, counts } = state;
  const offer = pick(random, offers);
  const variant = offer.variants ? pick(random, offer.variants).id : 'default';
  const group = random() < (offer.controlShare ?? 0) ? 'control' : 'treatment';
  insert.decision.run(spreadId(counts.sessions, state.totalSessions), SITE_KEY, visitor, session, offer.id, JSON.stringify([`served ${offer.id}`]), at, hashedId(DECISION_ID + 1, counts.decisions), variant, group);
  counts.decisions++;
  if (!assigned.has(offer.id)) {
    insert.assignment.run(SITE_KEY, visitor, offer.id, variant, group, at);
    assigned.add(offer.id);
  }
}
