import { request as httpRequest, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createPass, type Tier } from '@patron/priority';
import { limits, type ErrorEnvelope, type OfferResponse } from '@patron/protocol';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createApp } from '../app.js';
import { parseConfig } from '../config/load.js';
import { SettingsError } from '../config/settings.js';
import { openDatabase } from '../db/open.js';
import { rateLimitDefaults } from '../http/rate-limit.js';
import { SHOP_ORIGIN, SITE_KEY, configInput, makeTempDir, pageView, purchase, siteInput, silentLogger } from '../test/harness.js';
import { createAdmission } from './admission.js';
import { BUSY_OFFER_REASON } from './early.js';
import { readAdmissionEnabled, serveWithAdmission } from './serve.js';

const SECRET = 'site-secret-of-24-chars-at-least';
/** Slots of the limit that requests of every tier may use: the limit of 10 less its reserved top share of 0.2. */
const SHARED_SLOTS = 8;

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * Starts the collector's HTTP server on 127.0.0.1 with admission in front of the app. The limit of
 * requests in flight is 10 and stays there, a request waits at most 20 ms for admission, and the
 * event-loop delay never closes a tier, so that the tests decide which tiers have room.
 */
async function startCollector({ admission: enabled = true, bodyDeadlineMs = undefined as number | undefined, slowBodyMs = undefined as number | undefined } = {}) {
  const config = parseConfig(configInput(siteInput({ secretKey: SECRET })));
  const db = openDatabase(join(makeTempDir(), 'patron.db'));
  const admission = createAdmission(config, { initialLimit: 10, minLimit: 10, maxWaitMs: 20, overloadedLoopDelayMs: Number.POSITIVE_INFINITY });
  const app = createApp({ db, config, logger: silentLogger(), admission, rateLimits: { ...rateLimitDefaults, addressRate: 0, siteRate: 0 } });
  const server = await new Promise<Server>((resolve) => {
    const instance = serveWithAdmission(app, { port: 0, hostname: '127.0.0.1', logger: silentLogger(), admission: enabled, bodyDeadlineMs, slowBodyMs }, () => resolve(instance));
  });
  let connections = 0;
  server.on('connection', () => connections++);
  const held: Array<() => void> = [];
  onTestFinished(async () => {
    held.forEach((release) => release());
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    admission.close();
    db.$client.close();
  });
  const port = (server.address() as AddressInfo).port;

  return {
    port,
    db,
    admission,
    /** Connections the server has accepted so far. */
    connections: () => connections,
    /** Takes every slot that tiers below the top may use, so that their requests are shed. */
    async fill() {
      for (let slot = 0; slot < SHARED_SLOTS; slot++) held.push(await admission.limiter.acquire('bronze'));
    },
    /** Releases the slots that {@link fill} took. */
    free() {
      held.splice(0).forEach((release) => release());
    },
    storedEventIds: () => db.$client.prepare('SELECT id FROM events').pluck().all() as string[],
  };
}

const expires = () => Math.floor(Date.now() / 1000) + 600;
const passOf = (tier: Tier, visitor = `visitor-${tier}`) => createPass({ site: SITE_KEY, visitor, tier, expires: expires() }, SECRET);
const batchOf = (...events: unknown[]) => JSON.stringify({ siteKey: SITE_KEY, sentAt: Date.now(), events });

/** Sends one request on a connection of its own and reads the whole response. */
function send(port: number, path: string, body: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest({ host: '127.0.0.1', port, path, method: 'POST', agent: false, headers: { 'Content-Type': 'application/json', ...headers } }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text }));
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/** One HTTP/1.1 connection written by hand, to send part of a body or several requests on one socket. */
class RawConnection {
  private buffered = '';
  private waiting: (() => void) | undefined;
  closed = false;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffered += chunk;
      this.waiting?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiting?.();
    });
  }

  static open(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new RawConnection(socket)));
      socket.on('error', reject);
      onTestFinished(() => {
        socket.destroy();
      });
    });
  }

  /** Writes the request line and headers of a POST, and `body`, which may be only the start of the declared body. */
  writeRequest(path: string, headers: Record<string, string>, body = ''): void {
    const lines = [`POST ${path} HTTP/1.1`, 'Host: 127.0.0.1', ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`)];
    this.socket.write(`${lines.join('\r\n')}\r\n\r\n${body}`);
  }

  write(text: string): void {
    this.socket.write(text);
  }

  /** Resolves with the next response, whose body has a Content-Length. */
  async readResponse(): Promise<Reply> {
    for (;;) {
      const reply = this.takeResponse();
      if (reply) return reply;
      if (this.closed) throw new Error(`the connection closed before a whole response arrived: ${JSON.stringify(this.buffered)}`);
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
  }

  /** Resolves once the server has closed the connection. */
  async waitForClose(): Promise<void> {
    while (!this.closed) await new Promise<void>((resolve) => (this.waiting = resolve));
  }

  private takeResponse(): Reply | undefined {
    const end = this.buffered.indexOf('\r\n\r\n');
    if (end === -1) return undefined;
    const [statusLine, ...headerLines] = this.buffered.slice(0, end).split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of headerLines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = Number(headers['content-length']);
    if (!Number.isFinite(length) || this.buffered.length < end + 4 + length) return undefined;
    const body = this.buffered.slice(end + 4, end + 4 + length);
    this.buffered = this.buffered.slice(end + 4 + length);
    return { status: Number(statusLine!.split(' ')[1]), headers, body };
  }
}

describe('early admission', () => {
  it('sheds without reading the body', async () => {
    const collector = await startCollector();
    await collector.fill();
    const connection = await RawConnection.open(collector.port);

    // Only the first 10 of 1,000 declared bytes, and not JSON: parsing it would give 400.
    connection.writeRequest('/v1/events', { 'Content-Type': 'application/json', 'Content-Length': '1000' }, '{not json ');
    const reply = await connection.readResponse();

    expect(reply.status).toBe(503);
    expect((JSON.parse(reply.body) as ErrorEnvelope).code).toBe('overloaded');
    expect(collector.admission.limiter.counts.bronze.shed).toBe(1);
  });

  it('frees the places of stalled bodies', async () => {
    const collector = await startCollector({ bodyDeadlineMs: 200 });
    // Admitted requests that send their headers and then stop, as many as bronze may hold.
    const stalled = await Promise.all(Array.from({ length: SHARED_SLOTS }, () => RawConnection.open(collector.port)));
    for (const connection of stalled) connection.writeRequest('/v1/events', { 'Content-Type': 'application/json', 'Content-Length': '1000' }, '{"siteKey"');
    while (collector.admission.limiter.counts.bronze.admitted < SHARED_SLOTS) await new Promise((resolve) => setTimeout(resolve, 10));
    const whileStalled = await send(collector.port, '/v1/events', batchOf(pageView()));

    const timedOut = await Promise.all(stalled.map((connection) => connection.readResponse()));
    const after = await send(collector.port, '/v1/events', batchOf(pageView()));

    expect(whileStalled.status).toBe(503);
    expect(timedOut.map((reply) => reply.status)).toEqual(Array.from({ length: SHARED_SLOTS }, () => 408));
    expect((JSON.parse(timedOut[0]!.body) as ErrorEnvelope).code).toBe('request_timeout');
    expect(after.status).toBe(200);
  });

  it('limits slow bodies per address', async () => {
    // The deadline is far beyond the test, so only the limit of slow bodies can end a request.
    const collector = await startCollector({ bodyDeadlineMs: 60_000, slowBodyMs: 50 });
    const stalled = await Promise.all(Array.from({ length: 6 }, () => RawConnection.open(collector.port)));
    for (const connection of stalled) connection.writeRequest('/v1/events', { 'Content-Type': 'application/json', 'Content-Length': '1000' }, '{"siteKey"');
    while (collector.admission.limiter.counts.bronze.admitted < stalled.length) await new Promise((resolve) => setTimeout(resolve, 10));
    await new Promise((resolve) => setTimeout(resolve, 300));

    const closed = stalled.filter((connection) => connection.closed);
    const replies = await Promise.all(closed.map((connection) => connection.readResponse().catch(() => undefined)));

    expect(closed).toHaveLength(2);
    expect(replies.map((reply) => reply?.status)).toEqual([408, 408]);
    expect(collector.admission.limiter.active).toBe(4);
  });

  it('admits platinum while bronze is shed', async () => {
    const collector = await startCollector();
    await collector.fill();
    const bronzeEvent = pageView();
    const platinumEvent = pageView();

    const bronze = await send(collector.port, '/v1/events', batchOf(bronzeEvent));
    const platinum = await send(collector.port, `/v1/events?pass=${passOf('platinum')}`, batchOf(platinumEvent));
    const gold = await send(collector.port, '/v1/events', batchOf(pageView()), { 'X-Patron-Pass': passOf('gold') });

    expect(bronze.status).toBe(503);
    expect(gold.status).toBe(503);
    expect(platinum.status).toBe(200);
    expect(collector.storedEventIds()).toEqual([platinumEvent.id]);
  });

  it('admits other spellings of the path', async () => {
    const collector = await startCollector();
    await collector.fill();
    const connection = await RawConnection.open(collector.port);
    const body = batchOf(pageView());
    const headers = { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) };
    const targets = [`http://127.0.0.1:${collector.port}/v1/events`, '/v1/x/../events', '/v1/%65vents', '/v1/./offer'];

    const statuses: number[] = [];
    for (const target of targets) {
      connection.writeRequest(target, headers, body);
      statuses.push((await connection.readResponse()).status);
    }

    expect(statuses).toEqual([503, 503, 503, 200]);
    expect(collector.admission.limiter.counts.bronze.shed).toBe(4);
    expect(collector.storedEventIds()).toEqual([]);
  });

  it('admits every tier with room', async () => {
    const collector = await startCollector();

    const replies = await Promise.all((['platinum', 'gold', 'silver', 'bronze'] as const).map((tier) => send(collector.port, `/v1/events?pass=${passOf(tier)}`, batchOf(pageView()))));

    expect(replies.map((reply) => reply.status)).toEqual([200, 200, 200, 200]);
  });

  it('sends Retry-After and CORS headers with 503', async () => {
    const collector = await startCollector();
    await collector.fill();

    const allowed = await send(collector.port, '/v1/events', batchOf(pageView()), { Origin: SHOP_ORIGIN });
    const foreign = await send(collector.port, '/v1/events', batchOf(pageView()), { Origin: 'https://elsewhere.example' });

    expect(allowed.status).toBe(503);
    expect(allowed.headers['retry-after']).toBe('2');
    expect(allowed.headers['access-control-allow-origin']).toBe(SHOP_ORIGIN);
    expect(allowed.headers['access-control-expose-headers']).toBe('Retry-After');
    expect(allowed.headers.vary).toBe('Origin');
    expect(JSON.parse(allowed.body)).toEqual({ code: 'overloaded', message: expect.stringContaining('retry after') as unknown, issues: [] });
    expect(foreign.status).toBe(503);
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('keeps the connection open after a shed', async () => {
    const collector = await startCollector();
    await collector.fill();
    const connection = await RawConnection.open(collector.port);
    const body = batchOf(pageView());
    const event = pageView();
    const second = batchOf(event);

    connection.writeRequest('/v1/events', { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) }, body);
    const shed = await connection.readResponse();
    collector.free();
    connection.writeRequest('/v1/events', { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(second)) }, second);
    const stored = await connection.readResponse();

    expect(shed.status).toBe(503);
    expect(shed.headers.connection).not.toBe('close');
    expect(stored.status).toBe(200);
    expect(collector.connections()).toBe(1);
    expect(collector.storedEventIds()).toEqual([event.id]);
  });

  it('reads the rest of a shed body first', async () => {
    const collector = await startCollector();
    await collector.fill();
    const connection = await RawConnection.open(collector.port);
    const body = batchOf(pageView());
    const event = pageView();
    const second = batchOf(event);

    // The response comes before the rest of the body, which the collector must skip to find the next request.
    connection.writeRequest('/v1/events', { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) }, body.slice(0, 20));
    const shed = await connection.readResponse();
    connection.write(body.slice(20));
    collector.free();
    connection.writeRequest('/v1/events', { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(second)) }, second);
    const stored = await connection.readResponse();

    expect(shed.status).toBe(503);
    expect(stored.status).toBe(200);
    expect(collector.storedEventIds()).toEqual([event.id]);
  });

  it('closes the connection after a shed chunked body', async () => {
    const collector = await startCollector();
    await collector.fill();
    const connection = await RawConnection.open(collector.port);

    connection.writeRequest('/v1/events', { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' }, '5\r\n{"sit\r\n');
    const shed = await connection.readResponse();
    // The rest of the body is read and discarded before the connection closes.
    connection.write('3\r\neKe\r\n0\r\n\r\n');
    await connection.waitForClose();

    expect(shed.status).toBe(503);
    expect(shed.headers.connection).toBe('close');
    expect(connection.closed).toBe(true);
  });

  it('rejects a declared oversized body with 413', async () => {
    const collector = await startCollector();
    await collector.fill();
    const connection = await RawConnection.open(collector.port);

    // Only the start of the declared body: the 413 comes before the body, and before admission.
    connection.writeRequest('/v1/events', { 'Content-Type': 'application/json', 'Content-Length': String(limits.maxBodyBytes + 1), Origin: SHOP_ORIGIN }, '{"siteKey"');
    const reply = await connection.readResponse();

    expect(reply.status).toBe(413);
    expect(reply.headers.connection).toBe('close');
    expect(reply.headers['access-control-allow-origin']).toBe(SHOP_ORIGIN);
    expect((JSON.parse(reply.body) as ErrorEnvelope).code).toBe('payload_too_large');
    expect(collector.admission.limiter.counts.bronze.shed).toBe(0);
  });

  it('answers a shed offer request at once', async () => {
    const collector = await startCollector();
    await collector.fill();
    const connection = await RawConnection.open(collector.port);

    // The body never arrives in full, so only a response that does not wait for it can come back.
    connection.writeRequest('/v1/offer', { 'Content-Type': 'application/json', 'Content-Length': '500', Origin: SHOP_ORIGIN }, '{"siteKey":');
    const reply = await connection.readResponse();
    const answer = JSON.parse(reply.body) as OfferResponse;

    expect(reply.status).toBe(200);
    expect(reply.headers['access-control-allow-origin']).toBe(SHOP_ORIGIN);
    expect(answer.offer).toBeNull();
    expect(answer.reasons).toEqual([BUSY_OFFER_REASON]);
    expect(collector.admission.limiter.counts.bronze.shed).toBe(1);
  });

  it('stores every acknowledged event', async () => {
    const collector = await startCollector();
    await collector.fill();
    const tiers: Tier[] = ['platinum', 'bronze', 'gold', 'platinum', 'silver', 'platinum', 'bronze', 'platinum'];
    const events = tiers.map(() => pageView());

    const replies = await Promise.all(tiers.map((tier, index) => send(collector.port, `/v1/events?pass=${passOf(tier, `visitor-${index}`)}`, batchOf(events[index]))));
    const acknowledged = events.filter((_, index) => replies[index]!.status === 200).map((event) => event.id);
    const shed = events.filter((_, index) => replies[index]!.status === 503).map((event) => event.id);

    expect(acknowledged).toHaveLength(4);
    expect(shed).toHaveLength(4);
    expect(collector.storedEventIds().sort()).toEqual(acknowledged.sort());
  });

  it('counts admitted and shed requests in metrics', async () => {
    const collector = await startCollector();
    await collector.fill();
    await send(collector.port, '/v1/events', batchOf(pageView()));
    await send(collector.port, `/v1/offer?pass=${passOf('platinum')}`, JSON.stringify({ siteKey: SITE_KEY, visitorId: 'visitor-platinum' }));
    collector.free();

    const metrics = await new Promise<string>((resolve, reject) => {
      httpRequest({ host: '127.0.0.1', port: collector.port, path: '/metrics', agent: false }, (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => resolve(text));
      })
        .on('error', reject)
        .end();
    });

    expect(metrics).toContain('patron_requests_shed_total{route="events",tier="bronze"} 1');
    expect(metrics).toContain('patron_requests_admitted_total{route="offer",tier="platinum"} 1');
  });

  it('admits everything with admission off', async () => {
    const collector = await startCollector({ admission: false });
    await collector.fill();

    const bronze = await send(collector.port, '/v1/events', batchOf(pageView()));

    expect(bronze.status).toBe(200);
    expect(collector.admission.limiter.counts.bronze.shed).toBe(0);
  });
});

describe('purchase=1', () => {
  it('admits a purchase batch with any valid pass', async () => {
    const collector = await startCollector();
    await collector.fill();
    const order = purchase('order-1', 20);

    const reply = await send(collector.port, `/v1/events?pass=${passOf('bronze')}&purchase=1`, batchOf(order));

    expect(reply.status).toBe(200);
    expect(collector.storedEventIds()).toEqual([order.id]);
    expect(collector.admission.limiter.counts.platinum.admitted).toBe(1);
  });

  it('grants nothing without a valid pass', async () => {
    const collector = await startCollector();
    await collector.fill();

    const none = await send(collector.port, '/v1/events?purchase=1', batchOf(purchase('order-1', 20)));
    const forged = await send(collector.port, `/v1/events?pass=${passOf('bronze').slice(0, -2)}xx&purchase=1`, batchOf(purchase('order-2', 20)));

    expect(none.status).toBe(503);
    expect(forged.status).toBe(503);
  });

  it('bars a pass whose claim was false', async () => {
    const collector = await startCollector();
    await collector.fill();
    const pass = passOf('bronze', 'crawler-1');

    const lie = await send(collector.port, `/v1/events?pass=${pass}&purchase=1`, batchOf(pageView()));
    const again = await send(collector.port, `/v1/events?pass=${pass}&purchase=1`, batchOf(purchase('order-1', 20)));
    const otherVisitor = await send(collector.port, `/v1/events?pass=${passOf('bronze', 'shopper-2')}&purchase=1`, batchOf(purchase('order-2', 20)));

    expect(lie.status).toBe(200);
    expect(again.status).toBe(503);
    expect(otherVisitor.status).toBe(200);
  });

  it('bars a pass whose batch was invalid', async () => {
    const collector = await startCollector();
    await collector.fill();
    const pass = passOf('bronze', 'crawler-2');

    const invalid = await send(collector.port, `/v1/events?pass=${pass}&purchase=1`, '{"siteKey": 42}');
    const again = await send(collector.port, `/v1/events?pass=${pass}&purchase=1`, batchOf(purchase('order-1', 20)));

    expect(invalid.status).toBe(400);
    expect(again.status).toBe(503);
  });

  it('bars a pass whose purchase was invalid', async () => {
    const collector = await startCollector();
    await collector.fill();
    const pass = passOf('bronze', 'crawler-3');

    // A bare `{"type": "purchase"}` is quarantined, so it confirms nothing.
    const fake = await send(collector.port, `/v1/events?pass=${pass}&purchase=1`, batchOf(pageView(), { type: 'purchase' }));
    const again = await send(collector.port, `/v1/events?pass=${pass}&purchase=1`, batchOf(purchase('order-1', 20)));

    expect(fake.status).toBe(200);
    expect(again.status).toBe(503);
  });

  it('keeps a pass whose claim was shed', async () => {
    const collector = await startCollector();
    await collector.fill();
    // Two held platinum slots leave none for the claim, which then waits out its 80 ms and is shed.
    const platinumSlots = [await collector.admission.limiter.acquire('platinum'), await collector.admission.limiter.acquire('platinum')];
    const pass = passOf('bronze', 'shopper-4');

    const shed = await send(collector.port, `/v1/events?pass=${pass}&purchase=1`, batchOf(purchase('order-1', 20)));
    platinumSlots.forEach((release) => release());
    const retried = await send(collector.port, `/v1/events?pass=${pass}&purchase=1`, batchOf(purchase('order-1', 20)));

    expect(shed.status).toBe(503);
    expect(retried.status).toBe(200);
  });

  it('keeps a pass whose claims were true', async () => {
    const collector = await startCollector();
    await collector.fill();
    const pass = passOf('silver', 'shopper-3');

    const first = await send(collector.port, `/v1/events?pass=${pass}&purchase=1`, batchOf(purchase('order-1', 20)));
    const second = await send(collector.port, `/v1/events?pass=${pass}&purchase=1`, batchOf(purchase('order-2', 20)));

    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
  });

  it('applies only to event batches', async () => {
    const collector = await startCollector();
    await collector.fill();

    const reply = await send(collector.port, `/v1/offer?pass=${passOf('bronze')}&purchase=1`, JSON.stringify({ siteKey: SITE_KEY, visitorId: 'visitor-bronze' }));

    expect((JSON.parse(reply.body) as OfferResponse).reasons).toEqual([BUSY_OFFER_REASON]);
  });
});

describe('readAdmissionEnabled', () => {
  it('reads on, off and unset', () => {
    expect(readAdmissionEnabled({})).toBe(true);
    expect(readAdmissionEnabled({ PATRON_ADMISSION: '' })).toBe(true);
    expect(readAdmissionEnabled({ PATRON_ADMISSION: 'on' })).toBe(true);
    expect(readAdmissionEnabled({ PATRON_ADMISSION: 'off' })).toBe(false);
    expect(readAdmissionEnabled({ PATRON_ADMISSION: ' OFF ' })).toBe(false);
  });

  it('rejects other values', () => {
    expect(() => readAdmissionEnabled({ PATRON_ADMISSION: 'no' })).toThrow(SettingsError);
    expect(() => readAdmissionEnabled({ PATRON_ADMISSION: 'no' })).toThrow('PATRON_ADMISSION must be "on" or "off", received "no"');
  });
});
