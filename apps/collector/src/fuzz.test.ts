import { join } from 'node:path';
import type { ErrorEnvelope } from '@patron/protocol';
import fc from 'fast-check';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createApp } from './app.js';
import { parseConfig } from './config/load.js';
import { openDatabase } from './db/open.js';
import { rateLimitDefaults } from './http/rate-limit.js';
import { createAdmission } from './priority/admission.js';
import { SHOP_ORIGIN, SITE_KEY, configInput, makeTempDir, siteInput, silentLogger } from './test/harness.js';

/**
 * Hostile payloads against POST /v1/events and POST /v1/offer, from a fixed seed so that every run
 * sends the same requests. A failure prints the shrunk counterexample with the seed.
 */
const SEED = 20_261_204;
/** Requests per property run, sent at once so that they share the commit queue like real traffic. */
const REQUESTS_PER_RUN = 10;
const EVENT_RUNS = 850;
const OFFER_RUNS = 300;
const SECRET = 'fuzz-secret-key-of-24-characters';
const ID_PLACEHOLDER = '<id>';

// ---------------------------------------------------------------------------------------------
// Hostile values

const POLLUTION_KEYS = ['__proto__', 'constructor', 'prototype', '__defineGetter__', 'hasOwnProperty', 'toString', 'valueOf'];

/** JSON texts whose objects have own keys named like Object.prototype's, as JSON.parse creates them. */
const POLLUTION_JSON = [
  '{"__proto__":{"polluted":"yes"}}',
  '{"constructor":{"prototype":{"polluted":"yes"}}}',
  '{"__proto__":{"__proto__":{"polluted":"yes"}},"prototype":null}',
  '{"toString":"not a function","valueOf":1,"hasOwnProperty":"x"}',
  '{"__proto__":[],"length":5}',
];
const pollutedObject = fc.constantFrom(...POLLUTION_JSON).map((text) => JSON.parse(text) as Record<string, unknown>);

const HOSTILE_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\uD800',
  '\uDFFF',
  'x\uD83Dy',
  '\uDE00\uD83D',
  '\u202Eevil\u202C',
  'שלום עולם',
  'مرحبا بالعالم',
  '\uFEFFbom',
  '\u200B',
  'e\u0301\u0301\u0301',
  '👩‍👩‍👧‍👦',
  '%00%ff',
  '../../etc/passwd',
  "'; DROP TABLE events; --",
  '<script>alert(1)</script>',
  'javascript:alert(1)',
  '__proto__',
  'constructor',
  'prototype',
  'NaN',
  'Infinity',
  '-Infinity',
  '1e309',
  '-1e309',
  '0x10',
  '6,795',
  '-5',
  '-0.01',
  '19.999',
  '  19.99  ',
  '1_000',
  'null',
  'undefined',
  '{}',
  '[]',
  'x'.repeat(5000),
];

const HOSTILE_NUMBERS = [
  0,
  -0,
  -1,
  1,
  0.5,
  -19.99,
  1e308,
  -1e308,
  5e-324,
  2 ** 53,
  2 ** 53 + 2,
  Number.MAX_SAFE_INTEGER,
  8.64e15,
  8.64e15 + 1,
  // Far in the future: 2286, and the year 10000.
  1e13,
  253_402_300_800_000,
  // Ancient: the first milliseconds of 1970, and 1900.
  1,
  -2_208_988_800_000,
];

/** Strings of any UTF-16 code units, lone surrogates and NUL included. */
const codeUnitString = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)), maxLength: 40 });

/** Nested arrays and objects, `depth` levels deep, with a polluting key at the bottom. */
function nested(depth: number, useObjects: boolean): unknown {
  let value: unknown = JSON.parse('{"__proto__":{"polluted":"deep"}}');
  for (let level = 1; level < depth; level++) value = useObjects ? { a: value } : [value];
  return value;
}
const deepValue = fc.tuple(fc.integer({ min: 2, max: 80 }), fc.boolean()).map(([depth, useObjects]) => nested(depth, useObjects));

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...HOSTILE_STRINGS),
  codeUnitString,
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(...HOSTILE_NUMBERS),
  // JSON carries NaN and Infinity as null.
  fc.double(),
  fc.constantFrom(null, true, false),
  fc.constant([]),
  fc.constant({}),
  pollutedObject,
  deepValue,
  fc.jsonValue({ maxDepth: 3 }),
);

/** Sets an own, enumerable property, so that a key such as "__proto__" becomes a JSON key and does not change the prototype. */
function withKey<T extends object>(target: T, key: string, value: unknown): T {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  return target;
}

// ---------------------------------------------------------------------------------------------
// Events

type EventDraft = Record<string, unknown>;

const clientId = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
const price = fc.oneof(fc.integer({ min: 0, max: 100_000 }).map((pence) => (pence / 100).toFixed(2)), fc.integer({ min: 0, max: 1000 }));
const item = fc.record({ id: fc.string({ minLength: 1, maxLength: 20 }), name: fc.string({ minLength: 1, maxLength: 40 }), price, quantity: fc.integer({ min: 1, max: 5 }) });
const flatProperties = fc.dictionary(fc.string({ minLength: 1, maxLength: 10 }), fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.boolean(), fc.constant(null)), { maxKeys: 5 });

/**
 * Valid events, with ID_PLACEHOLDER for their id and transaction id: each send gives them fresh
 * ones, so that every valid event is new and must be stored.
 */
const validEvent: fc.Arbitrary<EventDraft> = fc
  .tuple(
    fc.oneof(
      fc.record({ type: fc.constant('page_view'), url: fc.webUrl(), title: fc.string({ maxLength: 60 }) }),
      // Longer than 2,048 characters, the URL is cut, and the event is still valid.
      fc.integer({ min: 2049, max: 50_000 }).map((length) => ({ type: 'page_view', url: `https://shop.example/?q=${'x'.repeat(length)}` })),
      fc.record({ type: fc.constant('add_to_cart'), currency: fc.constant('GBP'), items: fc.array(item, { minLength: 1, maxLength: 3 }) }),
      fc.record({ type: fc.constant('purchase'), currency: fc.constant('GBP'), value: price, transactionId: fc.constant(ID_PLACEHOLDER) }),
      fc.record({ type: fc.constant('custom'), name: fc.stringMatching(/^[A-Za-z][A-Za-z0-9_.:-]{0,20}$/), props: flatProperties }),
      fc.record({ type: fc.constant('identify'), userId: fc.string({ minLength: 1, maxLength: 30 }), traits: flatProperties }),
    ),
    clientId,
    clientId,
  )
  .map(([fields, visitorId, sessionId]) => ({ id: ID_PLACEHOLDER, visitorId, sessionId, timestamp: 0, ...fields }));

const EVENT_FIELDS = ['id', 'type', 'visitorId', 'sessionId', 'timestamp', 'userId', 'url', 'referrer', 'title', 'items', 'value', 'currency', 'transactionId', 'name', 'props', 'traits', 'tax', 'decisionId'];

/** A valid event with one to three fields replaced, or a polluting key added. */
const mutatedEvent = fc
  .tuple(validEvent, fc.array(fc.tuple(fc.constantFrom(...EVENT_FIELDS, ...POLLUTION_KEYS), hostileValue), { minLength: 1, maxLength: 3 }))
  .map(([event, changes]) => changes.reduce((draft, [key, value]) => withKey(draft, key, value), { ...event }));

/** Items with hostile prices and quantities, such as negative money, NaN as a string, or a price of 1e308. */
const hostileItems = fc
  .tuple(validEvent, fc.array(fc.record({ id: hostileValue, name: hostileValue, price: hostileValue, quantity: hostileValue }), { minLength: 1, maxLength: 3 }))
  .map(([event, items]) => ({ ...event, type: 'add_to_cart', currency: 'GBP', items }));

/** Props and traits nested below the flat values they must have. */
const nestedProperties = fc.tuple(validEvent, deepValue).map(([event, value]) => ({ ...event, type: 'custom', name: 'nested', props: { value } }));

const invalidEvent: fc.Arbitrary<unknown> = fc.oneof(hostileValue, mutatedEvent, mutatedEvent, hostileItems, nestedProperties);

interface BatchEntry {
  /** True when the event was built valid and left unchanged, so it must be stored. */
  valid: boolean;
  event: unknown;
}

const batchEntries = fc.array(
  fc.oneof(validEvent.map((event): BatchEntry => ({ valid: true, event })), invalidEvent.map((event): BatchEntry => ({ valid: false, event }))),
  { minLength: 1, maxLength: 25 },
);

/** A request: its body as text, its Content-Type, and what the batch contains, when it is one. */
interface Payload {
  body: string;
  contentType: string;
  /** False for a request built valid throughout, which the run does not count as hostile. */
  hostile?: boolean;
  origin?: string | undefined;
  entries?: BatchEntry[];
}

const CONTENT_TYPES = ['text/plain', 'application/json', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', '', 'application/json; charset=utf-16'];
const ORIGINS = [undefined, SHOP_ORIGIN, 'https://evil.example', 'null', 'https://shop.example.evil.example'];

/** Bodies that are not JSON, or JSON that JSON.stringify cannot produce. */
const rawText = fc.oneof(
  codeUnitString,
  fc.constantFrom(
    '',
    'NaN',
    'Infinity',
    '-Infinity',
    'undefined',
    '{"siteKey":"test-shop","sentAt":NaN,"events":[]}',
    '{"siteKey":"test-shop","sentAt":Infinity,"events":[{}]}',
    '{"siteKey":"test-shop","sentAt":1,"events":[{"type":"purchase","value":NaN}]}',
    '{"siteKey":"test-shop","sentAt":1,"events":[{"type":"purchase","value":-Infinity}]}',
    '{"siteKey":"test-shop","sentAt":1e999,"events":[{"value":1e999}]}',
    "{'siteKey':'test-shop'}",
    '{"siteKey":"test-shop",}',
    '\uFEFF{"siteKey":"test-shop","sentAt":1,"events":[]}',
    '{"siteKey":"test-shop"}{"siteKey":"test-shop"}',
    '{"__proto__":{"polluted":"yes"},"siteKey":"test-shop","sentAt":1,"events":[{"__proto__":{"polluted":"yes"}}]}',
    '{"constructor":{"prototype":{"polluted":"yes"}},"siteKey":"test-shop","sentAt":1,"events":[{"constructor":{"prototype":{"polluted":"yes"}}}]}',
    '\u0000',
    '"\\ud800"',
  ),
  // Deep nesting as text, up to far beyond the 32 levels allowed.
  fc.tuple(fc.integer({ min: 30, max: 20_000 }), fc.boolean()).map(([depth, arrays]) => (arrays ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth))),
  // A valid body cut short.
  fc.tuple(batchEntries, fc.nat()).map(([entries, cut]) => {
    const text = JSON.stringify({ siteKey: SITE_KEY, sentAt: 1, events: entries.map((entry) => entry.event) });
    return text.slice(0, cut % text.length);
  }),
);

/** Bodies over the 512 KiB limit: one long string, or many events. */
const oversized = fc.constantFrom(
  JSON.stringify({ siteKey: SITE_KEY, sentAt: 1, events: [{ url: 'x'.repeat(600 * 1024) }] }),
  JSON.stringify({ siteKey: SITE_KEY, sentAt: 1, events: Array.from({ length: 500 }, () => ({ title: 'y'.repeat(1100) })) }),
);

const hostileEnvelope = fc
  .record({ siteKey: fc.oneof(hostileValue, fc.constant(SITE_KEY), fc.constant('no-such-shop')), sentAt: fc.oneof(hostileValue, fc.constant(Date.now())), events: fc.oneof(hostileValue, batchEntries.map((entries) => entries.map((entry) => entry.event))), dropped: fc.option(hostileValue) })
  .chain((envelope) => fc.constantFrom(...POLLUTION_KEYS).map((key) => withKey({ ...envelope }, key, { polluted: 'yes' })));

/** More than 500 events, which the envelope allows no more of. */
const tooManyEvents = fc.constant(JSON.stringify({ siteKey: SITE_KEY, sentAt: 1, events: Array.from({ length: 501 }, () => ({})) }));

/** Shows a payload in a counterexample with its body cut to 300 characters. */
function described(payload: Payload): Payload {
  const summary = () => JSON.stringify({ ...payload, body: payload.body.length > 300 ? `${payload.body.slice(0, 300)}… (${payload.body.length} characters)` : payload.body, entries: payload.entries?.length });
  return Object.assign(payload, { [fc.toStringMethod]: summary });
}

const eventPayload: fc.Arbitrary<Payload> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(batchEntries, fc.constantFrom(...ORIGINS.slice(0, 2))).map(([entries, origin]): Payload => ({ body: '', contentType: 'text/plain', origin, entries })) },
  { weight: 2, arbitrary: fc.tuple(rawText, fc.constantFrom(...CONTENT_TYPES)).map(([body, contentType]): Payload => ({ body, contentType })) },
  { weight: 2, arbitrary: fc.tuple(hostileEnvelope, fc.constantFrom(...ORIGINS)).map(([envelope, origin]): Payload => ({ body: JSON.stringify(envelope), contentType: 'application/json', origin })) },
  { weight: 1, arbitrary: fc.jsonValue().map((value): Payload => ({ body: JSON.stringify(value) ?? 'null', contentType: 'text/plain' })) },
  { weight: 1, arbitrary: fc.tuple(batchEntries, fc.constantFrom(...CONTENT_TYPES.slice(3))).map(([entries, contentType]): Payload => ({ body: JSON.stringify({ siteKey: SITE_KEY, sentAt: 1, events: entries.map((entry) => entry.event) }), contentType })) },
  { weight: 1, arbitrary: fc.oneof(oversized, tooManyEvents).map((body): Payload => ({ body, contentType: 'text/plain' })) },
).map(described);

// ---------------------------------------------------------------------------------------------
// Offer requests

const validOfferRequest = fc.record(
  {
    siteKey: fc.constant(SITE_KEY),
    visitorId: clientId,
    placement: fc.stringMatching(/^[A-Za-z0-9_.:-]{1,64}$/),
    context: fc.record({ sessionId: clientId, pageId: clientId, url: fc.webUrl(), referrer: fc.webUrl() }, { requiredKeys: [] }),
  },
  { requiredKeys: ['siteKey', 'visitorId'] },
);

const OFFER_FIELDS = ['siteKey', 'visitorId', 'placement', 'context', 'force', ...POLLUTION_KEYS];
const CONTEXT_FIELDS = ['sessionId', 'pageId', 'url', 'referrer', ...POLLUTION_KEYS];

const mutatedOfferRequest = fc
  .tuple(
    validOfferRequest,
    fc.array(fc.tuple(fc.constantFrom(...OFFER_FIELDS), hostileValue), { maxLength: 3 }),
    fc.array(fc.tuple(fc.constantFrom(...CONTEXT_FIELDS), hostileValue), { maxLength: 3 }),
  )
  .map(([request, changes, contextChanges]) => {
    const draft = changes.reduce((target, [key, value]) => withKey(target, key, value), { ...request } as Record<string, unknown>);
    if (contextChanges.length > 0) draft.context = contextChanges.reduce((target, [key, value]) => withKey(target, key, value), { ...request.context } as Record<string, unknown>);
    return draft;
  });

/** Preview tokens that are forged, expired, for another site, or not tokens at all. */
const forgedToken = fc.oneof(
  hostileValue,
  fc.constantFrom('p1.test-shop.visitor.platinum.9999999999.AAAA', 'v1.e30.AAAA', 'x'.repeat(512), 'x'.repeat(513)),
  fc.tuple(fc.base64String({ maxLength: 80 }), fc.base64String({ maxLength: 60 })).map(([claims, signature]) => `${claims}.${signature}`),
);

const offerPayload: fc.Arbitrary<Payload> = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(validOfferRequest, fc.constantFrom(...ORIGINS.slice(0, 2))).map(([request, origin]): Payload => ({ body: JSON.stringify(request), contentType: 'text/plain', origin, hostile: false })) },
  { weight: 4, arbitrary: fc.tuple(mutatedOfferRequest, fc.constantFrom(...ORIGINS)).map(([request, origin]): Payload => ({ body: JSON.stringify(request), contentType: 'application/json', origin })) },
  { weight: 1, arbitrary: fc.tuple(validOfferRequest, forgedToken).map(([request, force]): Payload => ({ body: JSON.stringify({ ...request, force }), contentType: 'text/plain' })) },
  { weight: 2, arbitrary: fc.tuple(rawText, fc.constantFrom(...CONTENT_TYPES)).map(([body, contentType]): Payload => ({ body, contentType })) },
  { weight: 1, arbitrary: fc.oneof(oversized, fc.jsonValue().map((value) => JSON.stringify(value) ?? 'null')).map((body): Payload => ({ body, contentType: 'text/plain' })) },
).map(described);

// ---------------------------------------------------------------------------------------------
// The collector under test and the checks of its responses

/**
 * The substring each error's message must contain, so that it names the problem. A code that is
 * not listed must not occur.
 */
const MESSAGE_BY_CODE: Record<string, RegExp> = {
  // JSON.parse quotes the body around the error, which may contain line breaks.
  invalid_json: /^The body is not valid JSON \(.+\); send one JSON object( encoded as UTF-8)?$/s,
  invalid_body: /nests objects or arrays more than 32 levels deep|^The body does not match the expected shape: ./,
  unsupported_media_type: /^Content-Type ".*" is not supported/,
  payload_too_large: /^The body is larger than 524288 bytes/,
  site_not_found: /^Site key ".*" is not configured on this collector/,
  origin_not_allowed: /^Origin .+ is not allowed for site "test-shop"/,
  unauthorized: /^Cannot force an offer: ./,
};

const STATUS_BY_CODE: Record<string, number> = {
  invalid_json: 400,
  invalid_body: 400,
  unsupported_media_type: 415,
  payload_too_large: 413,
  site_not_found: 404,
  origin_not_allowed: 403,
  unauthorized: 401,
};

/** Fails unless the body is the error envelope, with a message that names the problem and well-formed issues. */
function expectErrorEnvelope(status: number, body: ErrorEnvelope): void {
  expect(Object.keys(body).sort()).toEqual(['code', 'issues', 'message']);
  expect(Object.keys(STATUS_BY_CODE)).toContain(body.code);
  expect(status).toBe(STATUS_BY_CODE[body.code]);
  expect(typeof body.message).toBe('string');
  expect(body.message).toMatch(MESSAGE_BY_CODE[body.code]!);
  expect(Array.isArray(body.issues)).toBe(true);
  for (const issue of body.issues) {
    expect(typeof issue.path).toBe('string');
    expect(issue.message.length).toBeGreaterThan(0);
    // The summary in the message lists every issue.
    expect(body.message).toContain(issue.message);
  }
  if (body.code === 'invalid_body' && !body.message.includes('levels deep')) expect(body.issues.length).toBeGreaterThan(0);
}

function openFuzzedCollector() {
  const dir = makeTempDir();
  const db = openDatabase(join(dir, 'patron.db'));
  const config = parseConfig(
    configInput(
      siteInput({
        secretKey: SECRET,
        offers: [{ id: 'welcome', title: 'Welcome', message: 'Take 5% off.', code: 'HELLO5', when: { fact: 'visitor.sessions', op: 'gte', value: 0 } }],
      }),
    ),
  );
  // Admission would shed requests while these large bodies make the event loop lag, and the
  // site's rate limit could reject this fast sender. Both respond with 503 or 429 by design, which
  // would hide the faults this test looks for, so requests wait for admission and sites are not limited.
  const admission = createAdmission(config, { maxWaitMs: 60_000 });
  const app = createApp({ db, config, logger: silentLogger(), admission, rateLimits: { ...rateLimitDefaults, siteRate: 0 } });
  onTestFinished(() => {
    admission.close();
    db.$client.close();
  });
  return { app, sqlite: db.$client };
}

async function post(app: ReturnType<typeof createApp>, path: string, payload: Payload): Promise<{ status: number; body: unknown }> {
  const headers: Record<string, string> = { 'Content-Type': payload.contentType };
  if (payload.origin) headers.Origin = payload.origin;
  const response = await app.request(path, { method: 'POST', headers, body: payload.body });
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`${path} returned ${response.status} with a body that is not JSON: ${text.slice(0, 200)}`);
  }
  return { status: response.status, body };
}

/** Own property names of the built-in prototypes, to notice a polluted one. */
function prototypeKeys() {
  return [Object.prototype, Array.prototype, Function.prototype, String.prototype].map((prototype) => Object.getOwnPropertyNames(prototype).sort());
}

// ---------------------------------------------------------------------------------------------

describe('hostile payloads', () => {
  it('never crash the collector or lose valid events', async () => {
    const prototypesBefore = prototypeKeys();
    const { app, sqlite } = openFuzzedCollector();
    let nextId = 0;
    let requests = 0;
    let hostileRequests = 0;
    let accepted = 0;
    let rejected = 0;
    const validIds: string[] = [];
    const statuses = new Map<number, number>();

    /** Gives the placeholders of a batch fresh ids and returns the body, and the ids of the events built valid. */
    const materialise = (entries: BatchEntry[]) => {
      const now = Date.now();
      const events = entries.map((entry) => {
        if (typeof entry.event !== 'object' || entry.event === null || Array.isArray(entry.event)) return entry.event;
        const event = { ...(entry.event as EventDraft) };
        if (event.id === ID_PLACEHOLDER) event.id = `fuzz-${nextId++}`;
        if (event.transactionId === ID_PLACEHOLDER) event.transactionId = `order-${nextId++}`;
        if (event.timestamp === 0) event.timestamp = now - 1000;
        return event;
      });
      return { body: JSON.stringify({ siteKey: SITE_KEY, sentAt: now, events }), events };
    };

    const checkEvents = async (payload: Payload) => {
      let events: unknown[] | undefined;
      if (payload.entries) ({ body: payload.body, events } = materialise(payload.entries));
      const { status, body } = await post(app, '/v1/events', payload);
      requests++;
      if (payload.entries ? payload.entries.some((entry) => !entry.valid) : payload.hostile !== false) hostileRequests++;
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (status !== 200) {
        expect(status, `POST /v1/events returned ${status}: ${JSON.stringify(body)}`).toBeLessThan(500);
        expectErrorEnvelope(status, body as ErrorEnvelope);
        return;
      }

      const result = body as { accepted: number; duplicates: number; rejected: Array<{ index: number; issues: Array<{ path: string; message: string }> }> };
      expect(Object.keys(result).sort()).toEqual(['accepted', 'duplicates', 'rejected']);
      accepted += result.accepted;
      rejected += result.rejected.length;
      if (!events) return;
      expect(result.accepted + result.duplicates + result.rejected.length).toBe(events.length);
      const rejectedIndexes = new Set(result.rejected.map((entry) => entry.index));
      expect(rejectedIndexes.size).toBe(result.rejected.length);
      for (const entry of result.rejected) {
        expect(entry.index).toBeGreaterThanOrEqual(0);
        expect(entry.index).toBeLessThan(events.length);
        expect(entry.issues.length).toBeGreaterThan(0);
        for (const issue of entry.issues) {
          // An issue about the event as a whole, such as a number in place of an object, has the empty path.
          expect(typeof issue.path).toBe('string');
          expect(typeof issue.message).toBe('string');
          expect(issue.message.length).toBeGreaterThan(0);
        }
      }
      payload.entries!.forEach((entry, index) => {
        if (!entry.valid) return;
        expect(rejectedIndexes.has(index), `valid event ${JSON.stringify(events[index]).slice(0, 300)} was rejected: ${JSON.stringify(result.rejected.find((item) => item.index === index))}`).toBe(false);
        validIds.push((events[index] as EventDraft).id as string);
      });
    };

    const checkOffer = async (payload: Payload) => {
      const { status, body } = await post(app, '/v1/offer', payload);
      requests++;
      if (payload.hostile !== false) hostileRequests++;
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (status !== 200) {
        expect(status, `POST /v1/offer returned ${status}: ${JSON.stringify(body)}`).toBeLessThan(500);
        expectErrorEnvelope(status, body as ErrorEnvelope);
        return;
      }
      const decision = body as Record<string, unknown>;
      expect(decision).toHaveProperty('offer');
      expect(decision).toHaveProperty('assignment');
      expect(typeof decision.decisionId).toBe('string');
      expect(Array.isArray(decision.reasons)).toBe(true);
    };

    const startedAt = Date.now();
    const started = performance.now();
    await fc.assert(
      fc.asyncProperty(fc.array(eventPayload, { minLength: REQUESTS_PER_RUN, maxLength: REQUESTS_PER_RUN }), async (payloads) => {
        await Promise.all(payloads.map(checkEvents));
      }),
      { seed: SEED, numRuns: EVENT_RUNS },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(offerPayload, { minLength: REQUESTS_PER_RUN, maxLength: REQUESTS_PER_RUN }), async (payloads) => {
        await Promise.all(payloads.map(checkOffer));
      }),
      { seed: SEED, numRuns: OFFER_RUNS },
    );
    const elapsedSeconds = (performance.now() - started) / 1000;

    expect(hostileRequests).toBeGreaterThanOrEqual(10_000);
    // Every event the collector reported accepted is in SQLite, and every valid one among them.
    expect(sqlite.prepare('SELECT count(*) FROM events').pluck().get()).toBe(accepted);
    const storedValid = sqlite.prepare('SELECT count(*) FROM events WHERE site_key = ? AND id IN (SELECT value FROM json_each(?))').pluck().get(SITE_KEY, JSON.stringify(validIds));
    expect(storedValid).toBe(validIds.length);
    expect(validIds.length).toBeGreaterThan(2000);
    // Every rejected event is in quarantine.
    expect(sqlite.prepare('SELECT count(*) FROM quarantine').pluck().get()).toBe(rejected);
    // Clock correction keeps far-future and ancient timestamps within 30 days before receipt.
    const { earliest, latest } = sqlite.prepare('SELECT min(occurred_at) AS earliest, max(occurred_at) AS latest FROM events').get() as { earliest: number; latest: number };
    expect(earliest).toBeGreaterThanOrEqual(startedAt - 30 * 24 * 60 * 60 * 1000);
    expect(latest).toBeLessThanOrEqual(Date.now());
    // Long URLs were cut, not stored whole.
    expect(sqlite.prepare('SELECT max(length(url)) FROM events').pluck().get()).toBeLessThanOrEqual(2048);
    // The collector still responds, and still stores.
    expect((await app.request('/readyz')).status).toBe(200);
    const last = await post(app, '/v1/events', { ...materialise([{ valid: true, event: { id: ID_PLACEHOLDER, type: 'page_view', visitorId: 'last', sessionId: 'last', timestamp: 0 } }]), contentType: 'text/plain' });
    expect(last).toEqual({ status: 200, body: { accepted: 1, duplicates: 0, rejected: [] } });

    expect(prototypeKeys()).toEqual(prototypesBefore);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys({})).toEqual([]);
    // Both a 200 and every error status were seen, so the checks above ran on each kind.
    expect([...statuses.keys()].sort()).toEqual([200, 400, 401, 403, 404, 413, 415]);
    console.info(`fuzz: ${requests} requests (${hostileRequests} hostile), ${validIds.length} valid events stored, ${rejected} events rejected, in ${elapsedSeconds.toFixed(1)} s; statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
  }, 180_000);
});
