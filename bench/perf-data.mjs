// Synthetic shop data for the performance benchmark: the site's configuration, deterministic
// visitor and session ids shared by the database fill and the load, and request bodies shaped as
// the tracker sends them.
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';

export const SITE_KEY = 'perf-shop';
export const CURRENCY = 'GBP';
export const DAY_MS = 24 * 60 * 60 * 1000;

/** Environment variable that contains the site's secret key, so that the collector signs passes as it does in production. */
export const SECRET_VARIABLE = 'PATRON_PERF_SECRET_KEY';
export const SECRET_VALUE = 'perf-benchmark-secret-key-0123456789';

export const categories = ['Kitchen', 'Tableware', 'Garden', 'Outdoor', 'Bedding', 'Bath', 'Lighting', 'Decor'];
export const products = Array.from({ length: 200 }, (_, index) => ({
  id: `sku-${index + 1}`,
  name: `${categories[index % categories.length]} item ${Math.floor(index / categories.length) + 1}`,
  category: categories[index % categories.length],
  // Minor units (pence).
  price: 300 + ((index * 737) % 9700),
}));

export const paths = ['/', '/category/kitchen', '/category/garden?page=2', '/products/sku-12', '/cart/', '/checkout/', '/?utm_source=newsletter&utm_medium=email', '/search?q=teapot'];
export const titles = ['Hearth & Home', 'Kitchen | Hearth & Home', 'Garden, page 2 | Hearth & Home', 'Stoneware teapot | Hearth & Home', 'Your basket', 'Checkout', 'Search results for teapot'];
export const referrers = ['https://www.google.com/', 'https://duckduckgo.com/', 'https://www.instagram.com/', null];
export const ORIGIN = 'https://shop.example';

/**
 * Offers of a typical shop, modelled on the demo shop's: together they read every kind of fact
 * (cart, sessions, orders, segment), so a decision does the full work.
 */
export const offers = [
  {
    id: 'basket-waiting',
    title: 'Your basket is waiting',
    link: '/cart/',
    priority: 30,
    placements: ['banner'],
    when: { all: [{ fact: 'cart.quantity', op: 'gt', value: 0 }, { fact: 'visitor.returning', op: 'eq', value: true }] },
    variants: [
      { id: 'ten-off', message: 'Finish your order today and take 10% off.', code: 'BASKET10' },
      { id: 'free-delivery', message: 'Finish your order today and delivery is free.', code: 'BASKETSHIP' },
    ],
    controlShare: 0.1,
    caps: { perSession: 3 },
  },
  {
    id: 'champions-reward',
    title: 'Thank you for being one of our best customers',
    message: 'Your next order ships first.',
    priority: 25,
    placements: ['banner'],
    when: { fact: 'customer.segment', op: 'eq', value: 'champions' },
    controlShare: 0.1,
    caps: { perSession: 1, perWeek: 2 },
  },
  {
    id: 'win-back',
    title: 'We have missed you',
    message: 'Come back for 15% off anything in the shop.',
    code: 'COMEBACK15',
    priority: 20,
    placements: ['banner'],
    when: { any: [{ fact: 'customer.segment', op: 'in', value: ['at risk', "can't lose"] }, { fact: 'orders.daysSinceLast', op: 'gt', value: 90 }] },
    controlShare: 0.1,
    caps: { perSession: 2, perWeek: 3 },
  },
  {
    id: 'first-visit',
    title: 'Welcome',
    message: 'Sign up to our newsletter for 10% off your first order.',
    priority: 5,
    placements: ['banner'],
    when: { fact: 'visitor.new', op: 'eq', value: true },
    caps: { perSession: 1 },
  },
];

/** Writes the collector's configuration file for the benchmark's one site and returns its path. */
export function writeConfig(path) {
  const site = {
    key: SITE_KEY,
    name: 'Performance benchmark shop',
    allowedOrigins: [ORIGIN],
    currency: CURRENCY,
    secretKey: `env:${SECRET_VARIABLE}`,
    offerSettings: { holdoutShare: 0.02, caps: { perPageView: 1 }, attributionDays: 7 },
    offers,
  };
  writeFileSync(path, `${JSON.stringify({ sites: [site] }, null, 2)}\n`);
  return path;
}

/**
 * Creates a seeded xorshift32 generator, so that every run builds the same data. Its state is
 * never 0, so its numbers lie in (0, 1) and samplers may take their logarithm.
 */
export function createRandom(seed) {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 2 ** 32;
  };
}

/** Mixes a 32-bit integer into a well-spread one (the finaliser of MurmurHash3). */
function mix32(value) {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const hexByte = Array.from({ length: 256 }, (_, value) => value.toString(16).padStart(2, '0'));
export const hex8 = (value) => hexByte[value >>> 24] + hexByte[(value >>> 16) & 255] + hexByte[(value >>> 8) & 255] + hexByte[value & 255];

/**
 * Returns a 32-digit hexadecimal id, the form of the tracker's ids, that depends only on the kind
 * and the index, so the fill and the load agree on the ids of visitor number `index`.
 */
export function hashedId(kind, index) {
  const seed = mix32(index ^ Math.imul(kind, 0x9e3779b9));
  return hex8(mix32(seed + 1)) + hex8(mix32(seed + 2)) + hex8(mix32(seed + 3)) + hex8(mix32(index + Math.imul(kind, 0x27d4eb2d)));
}

const VISITOR = 1;
const SESSION = 2;
export const visitorId = (index) => hashedId(VISITOR, index);
/** Returns the id of session `number` of visitor `index`. The fill numbers sessions from 0, and the load uses {@link CURRENT_SESSION}. */
export const sessionId = (index, number) => hashedId(SESSION, index * 32 + number);
/** The session the load sends for a known visitor: one the fill never made, so it starts on the first request. */
export const CURRENT_SESSION = 31;

/** A fresh random id in the tracker's form. */
export const randomId = () => randomUUID().replaceAll('-', '');

/**
 * Returns the visitor of the next request: a known visitor of the first `population` ids with
 * probability `knownShare`, else a visitor never seen.
 */
export function pickVisitor(population, knownShare = 0.8) {
  if (Math.random() < knownShare) {
    const index = Math.floor(Math.random() * population);
    return { visitorId: visitorId(index), sessionId: sessionId(index, CURRENT_SESSION) };
  }
  return { visitorId: randomId(), sessionId: randomId() };
}

/** Returns a page_view as the tracker sends it. */
export function pageViewEvent(visitor, now = Date.now()) {
  const path = paths[Math.floor(Math.random() * paths.length)];
  return {
    type: 'page_view',
    id: randomId(),
    visitorId: visitor.visitorId,
    sessionId: visitor.sessionId,
    timestamp: now - 40,
    url: `${ORIGIN}${path}`,
    referrer: 'https://www.google.com/',
    title: titles[Math.floor(Math.random() * titles.length)],
  };
}

/** Returns the text/plain body of `POST /v1/events` with `count` page views of visitors drawn by {@link pickVisitor}. */
export function eventsBody(population, count) {
  const now = Date.now();
  const events = [];
  // A batch of many events comes from one browser, so its events share a visitor and a session.
  const visitor = pickVisitor(population);
  for (let index = 0; index < count; index++) events.push(pageViewEvent(visitor, now));
  return JSON.stringify({ siteKey: SITE_KEY, sentAt: now, events });
}

/** Returns the body of `POST /v1/offer` as the tracker's getOffer() sends it. */
export function offerBody(population) {
  const visitor = pickVisitor(population);
  return JSON.stringify({
    siteKey: SITE_KEY,
    visitorId: visitor.visitorId,
    placement: 'banner',
    context: { sessionId: visitor.sessionId, pageId: randomId(), url: `${ORIGIN}${paths[Math.floor(Math.random() * paths.length)]}`, referrer: `${ORIGIN}/` },
  });
}
