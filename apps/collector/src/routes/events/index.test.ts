import { limits, type BatchResult, type ErrorEnvelope } from '@patron/protocol';
import { describe, expect, it } from 'vitest';
import {
  SHOP_ORIGIN,
  SITE_KEY,
  addToCart,
  configInput,
  item,
  openTestCollector,
  pageView,
  purchase,
  recordingLogger,
  responseJson,
  siteInput,
} from '../../test/harness.js';

interface EventRow {
  site_key: string;
  id: string;
  type: string;
  visitor_id: string;
  session_id: string;
  occurred_at: number;
  client_time: number;
  received_at: number;
  transaction_id: string | null;
  currency: string | null;
  value: number | null;
  items: string | null;
  data: string | null;
}

interface QuarantineRow {
  site_key: string;
  batch_index: number;
  payload: string;
  issues: string;
}

const HOUR = 3_600_000;

describe('POST /v1/events storage', () => {
  it('stores and counts accepted events', async () => {
    const collector = openTestCollector();
    const view = pageView();
    const cart = addToCart([item('mug', 19.99, 2)], { value: '39.98' });

    const response = await collector.sendEvents([view, cart]);

    expect(response.status).toBe(200);
    expect(await responseJson<BatchResult>(response)).toEqual({ accepted: 2, duplicates: 0, rejected: [] });
    const ids = collector.rows<{ id: string }>('SELECT id FROM events ORDER BY rowid').map((row) => row.id);
    expect(ids).toEqual([view.id, cart.id]);
  });

  it('stores amounts in minor units', async () => {
    const collector = openTestCollector();
    const cart = addToCart([item('mug', 19.99, 2), item('tea', '4.5')], { value: '44.48' });

    await collector.storeEvents([cart]);

    const [row] = collector.rows<EventRow>('SELECT * FROM events WHERE id = ?', cart.id);
    expect(row?.value).toBe(4448);
    expect(row?.currency).toBe('GBP');
    const items = JSON.parse(row?.items ?? 'null') as Array<{ id: string; price: number; quantity: number }>;
    expect(items.map((line) => line.price)).toEqual([1999, 450]);
    expect(items.map((line) => line.quantity)).toEqual([2, 1]);
  });

  it('converts by the currency exponent', async () => {
    const collector = openTestCollector();
    const yen = purchase('order-jpy', 1200, { currency: 'JPY' });
    const dinar = purchase('order-bhd', '1.234', { currency: 'BHD' });

    await collector.storeEvents([yen, dinar]);

    const values = collector.rows<{ id: string; value: number }>('SELECT id, value FROM events');
    expect(values.find((row) => row.id === yen.id)?.value).toBe(1200);
    expect(values.find((row) => row.id === dinar.id)?.value).toBe(1234);
  });

  it('stores purchase extras in minor units', async () => {
    const collector = openTestCollector();
    const order = purchase('order-1', '25.00', { tax: 4.17, shipping: '3.5', coupon: 'WELCOME' });

    await collector.storeEvents([order]);

    const [row] = collector.rows<EventRow>('SELECT * FROM events WHERE id = ?', order.id);
    expect(row?.transaction_id).toBe('order-1');
    expect(row?.value).toBe(2500);
    expect(JSON.parse(row?.data ?? 'null')).toEqual({ tax: 417, shipping: 350, coupon: 'WELCOME' });
  });

  it('stores custom and identify fields', async () => {
    const collector = openTestCollector();
    const custom = { ...pageView(), type: 'custom', name: 'newsletter.signup', props: { source: 'footer', count: 2 } };
    const identify = { ...pageView(), type: 'identify', userId: 'customer-9', traits: { plan: 'gold' } };

    await collector.storeEvents([custom, identify]);

    const rows = collector.rows<{ id: string; name: string | null; user_id: string | null; data: string | null }>(
      'SELECT id, name, user_id, data FROM events',
    );
    const customRow = rows.find((row) => row.id === custom.id);
    const identifyRow = rows.find((row) => row.id === identify.id);
    expect(customRow?.name).toBe('newsletter.signup');
    expect(JSON.parse(customRow?.data ?? 'null')).toEqual({ props: { source: 'footer', count: 2 } });
    expect(identifyRow?.user_id).toBe('customer-9');
    expect(JSON.parse(identifyRow?.data ?? 'null')).toEqual({ traits: { plan: 'gold' } });
  });

  it('corrects occurred_at for client clock', async () => {
    const collector = openTestCollector();
    // The client's clock is an hour behind, and the event waited 5 s in its queue before sending.
    const sentAt = Date.now() - HOUR;
    const view = pageView({ timestamp: sentAt - 5_000 });

    const before = Date.now();
    await collector.storeEvents([view], { sentAt });
    const after = Date.now();

    const [row] = collector.rows<EventRow>('SELECT * FROM events WHERE id = ?', view.id);
    expect(row?.client_time).toBe(sentAt - 5_000);
    expect(row?.received_at).toBeGreaterThanOrEqual(before);
    expect(row?.received_at).toBeLessThanOrEqual(after);
    expect(row?.occurred_at).toBe((row?.received_at ?? 0) - 5_000);
  });

  it('caps occurred_at at the receive time', async () => {
    const collector = openTestCollector();
    const sentAt = Date.now();
    const view = pageView({ timestamp: sentAt + HOUR });

    await collector.storeEvents([view], { sentAt });

    const [row] = collector.rows<EventRow>('SELECT * FROM events WHERE id = ?', view.id);
    expect(row?.occurred_at).toBe(row?.received_at);
  });

  it.each([
    ['a sentAt far in the future', { timestamp: Date.now() }, { sentAt: 9e15 }],
    ['a timestamp in 1970', { timestamp: 1 }, {}],
  ])('keeps %s within 30 days', async (_case, event, options) => {
    const collector = openTestCollector();
    const view = pageView(event);
    await collector.storeEvents([view], options);

    const [row] = collector.rows<EventRow>('SELECT * FROM events WHERE id = ?', view.id);
    expect(row!.occurred_at).toBe(row!.received_at - 30 * 24 * HOUR);
  });
});

describe('POST /v1/events duplicates', () => {
  it('counts a resent event id', async () => {
    const collector = openTestCollector();
    const view = pageView();
    await collector.storeEvents([view]);

    const response = await collector.sendEvents([view]);

    expect(await responseJson<BatchResult>(response)).toEqual({ accepted: 0, duplicates: 1, rejected: [] });
    expect(collector.rows('SELECT id FROM events')).toHaveLength(1);
  });

  it('counts an id repeated in batch', async () => {
    const collector = openTestCollector();
    const view = pageView();

    const response = await collector.sendEvents([view, view]);

    expect(await responseJson<BatchResult>(response)).toEqual({ accepted: 1, duplicates: 1, rejected: [] });
    expect(collector.rows('SELECT id FROM events')).toHaveLength(1);
  });

  it('counts a known transaction id', async () => {
    const collector = openTestCollector();
    const first = purchase('order-42', '30.00');
    const resent = purchase('order-42', '30.00');
    await collector.storeEvents([first]);

    const response = await collector.sendEvents([resent]);

    expect(await responseJson<BatchResult>(response)).toEqual({ accepted: 0, duplicates: 1, rejected: [] });
    const stored = collector.rows<{ id: string }>("SELECT id FROM events WHERE type = 'purchase'");
    expect(stored).toEqual([{ id: first.id }]);
  });

  it('counts a transaction id repeated in batch', async () => {
    const collector = openTestCollector();

    const response = await collector.sendEvents([purchase('order-7', 10), purchase('order-7', 10)]);

    expect(await responseJson<BatchResult>(response)).toEqual({ accepted: 1, duplicates: 1, rejected: [] });
  });

  it('keeps ids and transaction ids per site', async () => {
    const collector = openTestCollector(configInput(siteInput(), siteInput({ key: 'other-shop' })));
    const order = purchase('order-1', 10);
    await collector.storeEvents([order]);

    const response = await collector.sendEvents([order], { siteKey: 'other-shop' });

    expect(await responseJson<BatchResult>(response)).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    const sites = collector.rows<{ site_key: string }>('SELECT site_key FROM events ORDER BY site_key');
    expect(sites.map((row) => row.site_key)).toEqual(['other-shop', SITE_KEY]);
  });
});

describe('POST /v1/events quarantine', () => {
  it('quarantines only the invalid event', async () => {
    const collector = openTestCollector();
    const before = pageView();
    const invalid = addToCart([item('mug', '1,99')]);
    const after = pageView();

    const response = await collector.sendEvents([before, invalid, after]);

    expect(response.status).toBe(200);
    const result = await responseJson<BatchResult>(response);
    expect(result.accepted).toBe(2);
    expect(result.duplicates).toBe(0);
    expect(result.rejected).toHaveLength(1);
    expect(result.rejected[0]?.index).toBe(1);
    expect(result.rejected[0]?.issues.map((issue) => issue.path)).toEqual(['items.0.price']);
    expect(result.rejected[0]?.issues[0]?.message).toContain('ambiguous');

    const stored = collector.rows<{ id: string }>('SELECT id FROM events ORDER BY rowid').map((row) => row.id);
    expect(stored).toEqual([before.id, after.id]);
  });

  it('keeps raw event and issues', async () => {
    const collector = openTestCollector();
    const invalid = { ...pageView(), visitorId: 'has spaces' };

    const response = await collector.sendEvents([pageView(), invalid]);
    const result = await responseJson<BatchResult>(response);

    const rows = collector.rows<QuarantineRow>('SELECT site_key, batch_index, payload, issues FROM quarantine');
    expect(rows).toHaveLength(1);
    expect(rows[0]?.site_key).toBe(SITE_KEY);
    expect(rows[0]?.batch_index).toBe(1);
    expect(JSON.parse(rows[0]?.payload ?? 'null')).toEqual(invalid);
    expect(JSON.parse(rows[0]?.issues ?? 'null')).toEqual(result.rejected[0]?.issues);
    expect(result.rejected[0]?.issues.map((issue) => issue.path)).toEqual(['visitorId']);
  });

  it('quarantines an event of unknown type', async () => {
    const collector = openTestCollector();

    const response = await collector.sendEvents([{ ...pageView(), type: 'page_veiw' }]);
    const result = await responseJson<BatchResult>(response);

    expect(result.accepted).toBe(0);
    expect(result.rejected[0]?.issues[0]?.path).toBe('type');
    expect(result.rejected[0]?.issues[0]?.message).toContain('page_veiw');
    expect(collector.rows('SELECT id FROM quarantine')).toHaveLength(1);
  });

  it('logs quarantined events as a warning', async () => {
    const { logger, records } = recordingLogger();
    const collector = openTestCollector(configInput(), logger);

    await collector.sendEvents([{ type: 'page_view' }, { type: 'page_view' }]);

    const warning = records.find((record) => record.msg === 'events quarantined as invalid');
    expect(warning?.level).toBe(40);
    expect(warning?.siteKey).toBe(SITE_KEY);
    expect(warning?.rejected).toBe(2);
    expect(typeof warning?.requestId).toBe('string');
  });
});

describe('POST /v1/events request errors', () => {
  it('rejects deep nesting with 400', async () => {
    const collector = openTestCollector();
    // Written as text, because JSON.stringify itself overflows the stack at this depth.
    const props = `${'{"next":'.repeat(5000)}"leaf"${'}'.repeat(5000)}`;
    const event = JSON.stringify({ ...pageView(), type: 'custom', name: 'deep' }).replace(/}$/, `,"props":${props}}`);
    const body = `{"siteKey":"${SITE_KEY}","sentAt":${Date.now()},"events":[${event}]}`;

    const response = await collector.app.request('/v1/events', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });

    expect(response.status).toBe(400);
    expect((await responseJson<ErrorEnvelope>(response)).message).toContain('more than 32 levels deep');
  });

  it('returns the error envelope', async () => {
    const collector = openTestCollector();

    const response = await collector.postJson('/v1/events', { siteKey: SITE_KEY, sentAt: Date.now() });

    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const body = await responseJson<ErrorEnvelope>(response);
    expect(Object.keys(body).sort()).toEqual(['code', 'issues', 'message']);
    expect(typeof body.code).toBe('string');
    expect(typeof body.message).toBe('string');
    expect(body.issues).toEqual([{ path: 'events', message: expect.any(String) }]);
  });

  it('rejects malformed JSON with 400', async () => {
    const collector = openTestCollector();

    const response = await collector.app.request('/v1/events', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"siteKey": "test-shop", "events": [',
    });

    expect(response.status).toBe(400);
    const body = await responseJson<ErrorEnvelope>(response);
    expect(body.code).toBe('invalid_json');
    expect(body.issues).toEqual([]);
  });

  it('rejects invalid UTF-8 with 400', async () => {
    const collector = openTestCollector();
    const json = Buffer.from(JSON.stringify({ siteKey: SITE_KEY, sentAt: Date.now(), events: [{ ...pageView(), title: 'Caf__' }] }));
    // "Caf" followed by é in Latin-1 (0xE9) and a byte that never occurs in UTF-8 (0xFF).
    const at = json.indexOf('__');
    json[at] = 0xe9;
    json[at + 1] = 0xff;

    // With a declared length the body is read whole, without it as a stream.
    const variants: Record<string, string>[] = [{ 'Content-Type': 'application/json' }, { 'Content-Type': 'application/json', 'Content-Length': String(json.length) }];
    for (const headers of variants) {
      const response = await collector.app.request('/v1/events', { method: 'POST', headers, body: json });

      expect(response.status).toBe(400);
      const body = await responseJson<ErrorEnvelope>(response);
      expect(body.code).toBe('invalid_json');
      expect(body.message).toContain('UTF-8');
    }
    expect(collector.rows('SELECT id FROM events')).toEqual([]);
  });

  it('rejects a batch without events with 400', async () => {
    const collector = openTestCollector();

    const response = await collector.postJson('/v1/events', { siteKey: SITE_KEY, sentAt: Date.now() });

    expect(response.status).toBe(400);
    const body = await responseJson<ErrorEnvelope>(response);
    expect(body.code).toBe('invalid_body');
    expect(body.message).toContain('events');
  });

  it('rejects an empty events array with 400', async () => {
    const collector = openTestCollector();

    const response = await collector.sendEvents([]);

    expect(response.status).toBe(400);
    const body = await responseJson<ErrorEnvelope>(response);
    expect(body.code).toBe('invalid_body');
    expect(body.issues).toEqual([{ path: 'events', message: 'must contain at least one event' }]);
  });

  it('rejects too many events with 400', async () => {
    const collector = openTestCollector();
    const events = Array.from({ length: limits.maxEventsPerBatch + 1 }, () => pageView());

    const response = await collector.sendEvents(events);

    expect(response.status).toBe(400);
    const body = await responseJson<ErrorEnvelope>(response);
    expect(body.code).toBe('invalid_body');
    expect(body.issues[0]?.path).toBe('events');
    expect(body.issues[0]?.message).toContain(String(limits.maxEventsPerBatch));
    expect(collector.rows('SELECT id FROM events')).toHaveLength(0);
  });

  it('accepts the maximum number of events', async () => {
    const collector = openTestCollector();
    const events = Array.from({ length: limits.maxEventsPerBatch }, () => pageView());

    const response = await collector.sendEvents(events);

    expect(await responseJson<BatchResult>(response)).toEqual({ accepted: limits.maxEventsPerBatch, duplicates: 0, rejected: [] });
  });

  it('rejects an oversize body with 413', async () => {
    const collector = openTestCollector();
    // The envelope is valid, so without the limit this batch would return 200.
    const padding = 'x'.repeat(limits.maxBodyBytes);

    const response = await collector.sendEvents([{ ...pageView(), padding }]);

    expect(response.status).toBe(413);
    const body = await responseJson<ErrorEnvelope>(response);
    expect(body.code).toBe('payload_too_large');
    expect(body.message).toContain(String(limits.maxBodyBytes));
    expect(collector.rows('SELECT id FROM events')).toHaveLength(0);
  });

  it('rejects an oversize body by its Content-Length', async () => {
    const collector = openTestCollector();
    const text = JSON.stringify({ siteKey: SITE_KEY, sentAt: Date.now(), events: [{ ...pageView(), padding: 'x'.repeat(limits.maxBodyBytes) }] });

    const response = await collector.app.request('/v1/events', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)) },
      body: text,
    });

    expect(response.status).toBe(413);
  });

  it('rejects a truncated oversize body with 413', async () => {
    const collector = openTestCollector();

    const response = await collector.app.request('/v1/events', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: `{"siteKey": "test-shop", "events": ["${'x'.repeat(limits.maxBodyBytes)}`,
    });

    expect(response.status).toBe(413);
  });

  it('accepts a body at the limit', async () => {
    const collector = openTestCollector();
    const envelope = (padding: string) =>
      JSON.stringify({ siteKey: SITE_KEY, sentAt: Date.now(), events: [{ ...pageView({ id: 'event-at-limit' }), padding }] });
    const text = envelope('x'.repeat(limits.maxBodyBytes - Buffer.byteLength(envelope(''))));
    expect(Buffer.byteLength(text)).toBe(limits.maxBodyBytes);

    const response = await collector.app.request('/v1/events', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: text,
    });

    expect(response.status).toBe(200);
  });

  it('rejects an unsupported content type with 415', async () => {
    const collector = openTestCollector();

    const response = await collector.app.request('/v1/events', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: JSON.stringify({ siteKey: SITE_KEY, sentAt: Date.now(), events: [pageView()] }),
    });

    expect(response.status).toBe(415);
    const body = await responseJson<ErrorEnvelope>(response);
    expect(body.code).toBe('unsupported_media_type');
    expect(body.message).toContain('application/x-www-form-urlencoded');
    expect(collector.rows('SELECT id FROM events')).toHaveLength(0);
  });

  it('rejects a missing content type', async () => {
    const collector = openTestCollector();
    const bytes = new TextEncoder().encode(JSON.stringify({ siteKey: SITE_KEY, sentAt: Date.now(), events: [pageView()] }));

    const response = await collector.app.request('/v1/events', { method: 'POST', body: bytes });

    expect(response.status).toBe(415);
    expect((await responseJson<ErrorEnvelope>(response)).message).toContain('(none)');
  });

  it('accepts text/plain bodies', async () => {
    const collector = openTestCollector();

    const response = await collector.app.request('/v1/events', {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain;charset=UTF-8' },
      body: JSON.stringify({ siteKey: SITE_KEY, sentAt: Date.now(), events: [pageView()] }),
    });

    expect(response.status).toBe(200);
    expect((await responseJson<BatchResult>(response)).accepted).toBe(1);
  });

  it('rejects an unknown site key with 404', async () => {
    const collector = openTestCollector();

    const response = await collector.sendEvents([pageView()], { siteKey: 'no-such-shop' });

    expect(response.status).toBe(404);
    const body = await responseJson<ErrorEnvelope>(response);
    expect(body.code).toBe('site_not_found');
    expect(body.message).toContain('"no-such-shop"');
  });
});

describe('POST /v1/events origins', () => {
  it('rejects a disallowed origin with 403', async () => {
    const collector = openTestCollector();

    const response = await collector.sendEvents([pageView()], { headers: { Origin: 'https://evil.example' } });

    expect(response.status).toBe(403);
    const body = await responseJson<ErrorEnvelope>(response);
    expect(body.code).toBe('origin_not_allowed');
    expect(body.message).toContain('https://evil.example');
    expect(body.message).toContain(`"${SITE_KEY}"`);
    expect(collector.rows('SELECT id FROM events')).toHaveLength(0);
  });

  it('accepts an allowed origin', async () => {
    const collector = openTestCollector();

    const response = await collector.sendEvents([pageView()], { headers: { Origin: SHOP_ORIGIN } });

    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(SHOP_ORIGIN);
  });

  it('accepts a request without Origin', async () => {
    const collector = openTestCollector();

    const response = await collector.sendEvents([pageView()]);

    expect(response.status).toBe(200);
  });

  it('accepts an Origin equal to the Host', async () => {
    const collector = openTestCollector();

    const response = await collector.sendEvents([pageView()], {
      headers: { Host: 'collector.example:8787', Origin: 'http://collector.example:8787' },
    });

    expect(response.status).toBe(200);
  });

  it('rejects the Host on another port', async () => {
    const collector = openTestCollector();

    const response = await collector.sendEvents([pageView()], {
      headers: { Host: 'collector.example:8787', Origin: 'http://collector.example:9999' },
    });

    expect(response.status).toBe(403);
  });

  it("rejects another site's origin", async () => {
    const other = siteInput({ key: 'other-shop', allowedOrigins: ['https://other.example'] });
    const collector = openTestCollector(configInput(siteInput(), other));

    const response = await collector.sendEvents([pageView()], { headers: { Origin: 'https://other.example' } });

    expect(response.status).toBe(403);
  });

  it('accepts any origin with "*"', async () => {
    const collector = openTestCollector(configInput(siteInput({ allowedOrigins: ['*'] })));

    const response = await collector.sendEvents([pageView()], { headers: { Origin: 'https://anywhere.example' } });

    expect(response.status).toBe(200);
  });
});

describe('OPTIONS /v1/events preflight', () => {
  const preflight = (origin: string) => ({
    method: 'OPTIONS',
    headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
  });

  it('allows an origin that a site allows', async () => {
    const collector = openTestCollector();

    const response = await collector.app.request('/v1/events', preflight(SHOP_ORIGIN));

    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(SHOP_ORIGIN);
    expect(response.headers.get('access-control-allow-methods')).toContain('POST');
    expect(response.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('content-type');
    expect(response.headers.get('access-control-max-age')).toBe('86400');
    expect(response.headers.get('vary')).toContain('Origin');
  });

  it('omits the allow header for other origins', async () => {
    const collector = openTestCollector();

    const response = await collector.app.request('/v1/events', preflight('https://evil.example'));

    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });
});
