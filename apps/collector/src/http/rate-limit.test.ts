import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { writeFileSync } from 'node:fs';
import { serve, type ServerType } from '@hono/node-server';
import { createPass, type Tier } from '@patron/priority';
import type { ErrorEnvelope } from '@patron/protocol';
import type { Logger } from 'pino';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createApp } from '../app.js';
import { parseConfig } from '../config/load.js';
import { SettingsError } from '../config/settings.js';
import { openDatabase } from '../db/open.js';
import {
  SHOP_ORIGIN,
  SITE_KEY,
  VISITOR_ID,
  configInput,
  makeTempDir,
  pageView,
  recordingLogger,
  responseJson,
  siteInput,
  silentLogger,
} from '../test/harness.js';
import { spawnCollector, stopProcess } from '../test/spawn.js';
import { addressKey, isLocalAddress, rateLimitDefaults, readRateLimitSettings, TokenBuckets, type RateLimitSettings } from './rate-limit.js';

const OTHER_SITE = 'other-shop';
const CLIENT = '203.0.113.5';
const bin = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'patron.js');

/** Builds the app over a fresh database with the given rate limits; requests can name the TCP peer's address. */
function openLimitedApp(limits: Partial<RateLimitSettings>, logger: Logger = silentLogger()) {
  const dir = makeTempDir();
  const db = openDatabase(join(dir, 'patron.db'));
  onTestFinished(() => {
    db.$client.close();
  });
  const config = parseConfig(configInput(siteInput(), siteInput({ key: OTHER_SITE })));
  const app = createApp({ db, config, logger, rateLimits: { ...rateLimitDefaults, ...limits } });

  /**
   * Sends a request as if from `address`, the way @hono/node-server passes the socket to the app.
   * With `address` null the request has no socket, like the in-process requests of other tests.
   */
  const post = async (path: string, body: unknown, address: string | null, headers: Record<string, string> = {}) =>
    app.request(
      path,
      { method: 'POST', headers: { 'Content-Type': 'text/plain', ...headers }, body: JSON.stringify(body) },
      address === null ? undefined : { incoming: { socket: { remoteAddress: address } } },
    );
  const sendEvents = (address: string | null = CLIENT, siteKey = SITE_KEY, headers: Record<string, string> = {}) =>
    post('/v1/events', { siteKey, sentAt: Date.now(), events: [pageView()] }, address, headers);
  const requestOffer = (address: string | null = CLIENT, siteKey = SITE_KEY) => post('/v1/offer', { siteKey, visitorId: VISITOR_ID }, address);
  const storedEvents = () => db.$client.prepare('SELECT count(*) FROM events').pluck().get() as number;
  return { app, sendEvents, requestOffer, storedEvents };
}

/** Sends `count` requests one after the other and returns their statuses. */
async function statuses(count: number, send: () => Promise<Response>): Promise<number[]> {
  const result: number[] = [];
  for (let index = 0; index < count; index++) result.push((await send()).status);
  return result;
}

describe('TokenBuckets', () => {
  it('allows a burst, then waits for refills', () => {
    const buckets = new TokenBuckets(2, 3);

    const firstThree = [0, 0, 0].map(() => buckets.take('a', 1000));
    const fourth = buckets.take('a', 1000);
    const afterRefill = buckets.take('a', 1500);
    const other = buckets.take('b', 1500);

    expect(firstThree).toEqual([0, 0, 0]);
    expect(fourth).toBeCloseTo(0.5);
    expect(afterRefill).toBe(0);
    expect(other).toBe(0);
  });

  it('never holds more than the burst', () => {
    const buckets = new TokenBuckets(10, 2);
    buckets.take('a', 0);

    const later = [0, 0, 0].map(() => buckets.take('a', 60_000));

    expect(later.slice(0, 2)).toEqual([0, 0]);
    expect(later[2]).toBeCloseTo(0.1);
  });

  it('drops full buckets after a minute', () => {
    const buckets = new TokenBuckets(1, 5);
    buckets.take('a', 0);
    buckets.take('b', 0);

    buckets.take('c', 61_000);

    expect(buckets.size).toBe(1);
  });

  it('keeps at most maxKeys buckets', () => {
    const buckets = new TokenBuckets(1, 5, 100);

    for (let index = 0; index < 1000; index++) buckets.take(`client-${index}`, index);

    expect(buckets.size).toBeLessThanOrEqual(100);
    // The most recent client keeps its bucket, with one token spent.
    expect(buckets.take('client-999', 999)).toBe(0);
  });
});

describe('addressKey', () => {
  it.each([
    ['203.0.113.5', '203.0.113.5'],
    ['::ffff:203.0.113.5', '203.0.113.5'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::ffff', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002:aaaa:bbbb:cccc:dddd', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['::203.0.113.5', '0:0:0:0::/64'],
    ['not an address', 'not an address'],
  ])('keys %s as %s', (address, key) => {
    expect(addressKey(address)).toBe(key);
  });
});

describe('isLocalAddress', () => {
  it.each([
    ['127.0.0.1', true],
    ['::1', true],
    ['::ffff:127.0.0.1', true],
    ['10.1.2.3', true],
    ['172.17.0.1', true],
    ['172.32.0.1', false],
    ['192.168.1.10', true],
    ['100.64.0.1', true],
    ['fd12:3456::1', true],
    ['fe80::1', true],
    ['203.0.113.5', false],
    ['2001:db8::1', false],
    ['not an address', false],
  ])('%s is local: %s', (address, local) => {
    expect(isLocalAddress(address)).toBe(local);
  });
});

describe('readRateLimitSettings', () => {
  it('keeps the defaults without variables', () => {
    expect(readRateLimitSettings({})).toEqual(rateLimitDefaults);
    expect(readRateLimitSettings({ PATRON_RATE_LIMIT_PER_ADDRESS: '' })).toEqual(rateLimitDefaults);
  });

  it('reads every variable', () => {
    const settings = readRateLimitSettings({
      PATRON_RATE_LIMIT_PER_ADDRESS: '2.5',
      PATRON_RATE_LIMIT_ADDRESS_BURST: '20',
      PATRON_RATE_LIMIT_PER_SITE: '0',
      PATRON_RATE_LIMIT_SITE_BURST: '100',
      PATRON_TRUST_PROXY: '1',
    });

    expect(settings).toEqual({ addressRate: 2.5, addressBurst: 20, siteRate: 0, siteBurst: 100, trustedProxies: 1 });
  });

  it.each([
    [{ PATRON_RATE_LIMIT_PER_ADDRESS: 'ten' }, 'PATRON_RATE_LIMIT_PER_ADDRESS must be a number of 0 or more, received "ten"'],
    [{ PATRON_RATE_LIMIT_PER_SITE: '-1' }, 'PATRON_RATE_LIMIT_PER_SITE must be a number of 0 or more, received "-1"'],
    [{ PATRON_RATE_LIMIT_ADDRESS_BURST: '1.5' }, 'PATRON_RATE_LIMIT_ADDRESS_BURST must be a whole number of 0 or more, received "1.5"'],
    [{ PATRON_TRUST_PROXY: 'yes' }, 'PATRON_TRUST_PROXY must be a whole number of 0 or more, received "yes"'],
    [{ PATRON_RATE_LIMIT_SITE_BURST: '0' }, 'PATRON_RATE_LIMIT_SITE_BURST must be 1 or more while PATRON_RATE_LIMIT_PER_SITE is above 0, received 0'],
  ])('rejects %o', (env, message) => {
    expect(() => readRateLimitSettings(env)).toThrow(SettingsError);
    expect(() => readRateLimitSettings(env)).toThrow(message);
  });
});

describe('rate limit per client address', () => {
  it('rejects requests beyond the burst with 429', async () => {
    const shop = openLimitedApp({ addressRate: 1, addressBurst: 3 });

    const allowed = await statuses(3, () => shop.sendEvents());
    const response = await shop.sendEvents();

    expect(allowed).toEqual([200, 200, 200]);
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('1');
    const body = await responseJson<ErrorEnvelope>(response);
    expect(body.code).toBe('rate_limited');
    expect(body.message).toBe('This client address sent more than 1 requests per second (bursts of 3); nothing was stored, so retry after the Retry-After seconds');
    expect(body.issues).toEqual([]);
    expect(shop.storedEvents()).toBe(3);
  });

  it('gives Retry-After in whole seconds', async () => {
    const shop = openLimitedApp({ addressRate: 0.2, addressBurst: 1 });
    await shop.sendEvents();

    const response = await shop.sendEvents();

    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('5');
  });

  it('limits offers with the same bucket', async () => {
    const shop = openLimitedApp({ addressRate: 1, addressBurst: 2 });
    await shop.sendEvents();
    await shop.requestOffer();

    const response = await shop.requestOffer();

    expect(response.status).toBe(429);
    expect((await responseJson<ErrorEnvelope>(response)).message).toContain('no offer was decided');
  });

  it('counts each address on its own', async () => {
    const shop = openLimitedApp({ addressRate: 1, addressBurst: 2 });
    await statuses(2, () => shop.sendEvents('203.0.113.5'));

    const others = [await shop.sendEvents('203.0.113.6'), await shop.sendEvents('2001:db8:1:2::1'), await shop.sendEvents('2001:db8:1:3::1')];
    const sameNetwork = await statuses(2, () => shop.sendEvents('2001:db8:1:2::ffff'));

    expect(others.map((response) => response.status)).toEqual([200, 200, 200]);
    // The /64 of 2001:db8:1:2::1 had one token left.
    expect(sameNetwork).toEqual([200, 429]);
  });

  it('leaves local addresses and in-process requests alone', async () => {
    const shop = openLimitedApp({ addressRate: 1, addressBurst: 1 });

    const local = await statuses(5, () => shop.sendEvents('10.0.0.7'));
    const inProcess = await statuses(5, () => shop.sendEvents(null));

    expect(local).toEqual([200, 200, 200, 200, 200]);
    expect(inProcess).toEqual([200, 200, 200, 200, 200]);
  });

  it('sends CORS headers with the 429', async () => {
    const shop = openLimitedApp({ addressRate: 1, addressBurst: 1 });
    await shop.sendEvents(CLIENT, SITE_KEY, { Origin: SHOP_ORIGIN });

    const response = await shop.sendEvents(CLIENT, SITE_KEY, { Origin: SHOP_ORIGIN });

    expect(response.status).toBe(429);
    expect(response.headers.get('access-control-allow-origin')).toBe(SHOP_ORIGIN);
  });

  it('counts rejections in the metrics', async () => {
    const shop = openLimitedApp({ addressRate: 1, addressBurst: 1 });
    await statuses(3, () => shop.sendEvents());
    await shop.requestOffer();

    const metrics = await (await shop.app.request('/metrics')).text();

    expect(metrics).toContain('patron_requests_rate_limited_total{route="events",limit="address"} 2');
    expect(metrics).toContain('patron_requests_rate_limited_total{route="offer",limit="address"} 1');
  });

  it('logs rejections once a minute without the address', async () => {
    const { logger, records } = recordingLogger();
    const shop = openLimitedApp({ addressRate: 1, addressBurst: 1 }, logger);

    await statuses(5, () => shop.sendEvents());

    const warnings = records.filter((record) => String(record.msg).startsWith('requests rate limited'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 40, rejected: 1, route: 'events', limit: 'address' });
    expect(JSON.stringify(records)).not.toContain(CLIENT);
  });

  it('warns once about X-Forwarded-For from an untrusted proxy', async () => {
    const { logger, records } = recordingLogger();
    const shop = openLimitedApp({}, logger);

    await statuses(3, () => shop.sendEvents('172.17.0.1', SITE_KEY, { 'X-Forwarded-For': CLIENT }));

    const warnings = records.filter((record) => String(record.msg).includes('PATRON_TRUST_PROXY is not set'));
    expect(warnings).toHaveLength(1);
    expect(JSON.stringify(records)).not.toContain(CLIENT);
  });
});

describe('rate limit per site', () => {
  it('rejects a site beyond its burst, whatever the address', async () => {
    const shop = openLimitedApp({ addressRate: 0, siteRate: 1, siteBurst: 3 });

    const allowed = [await shop.sendEvents('203.0.113.1'), await shop.sendEvents('203.0.113.2'), await shop.requestOffer('203.0.113.3')];
    const rejected = await shop.sendEvents('203.0.113.4');
    const otherSite = await shop.sendEvents('203.0.113.4', OTHER_SITE);

    expect(allowed.map((response) => response.status)).toEqual([200, 200, 200]);
    expect(rejected.status).toBe(429);
    expect(rejected.headers.get('retry-after')).toBe('1');
    expect((await responseJson<ErrorEnvelope>(rejected)).message).toBe(
      'Site "test-shop" received more than 1 requests per second (bursts of 3); nothing was stored, so retry after the Retry-After seconds',
    );
    expect(otherSite.status).toBe(200);
  });

  it('never rejects a platinum pass', async () => {
    const secret = 'site-secret-of-24-chars-at-least';
    const config = parseConfig(configInput(siteInput({ secretKey: secret })));
    const db = openDatabase(join(makeTempDir(), 'patron.db'));
    onTestFinished(() => {
      db.$client.close();
    });
    const app = createApp({ db, config, logger: silentLogger(), rateLimits: { ...rateLimitDefaults, addressRate: 0, siteRate: 1, siteBurst: 2 } });
    const expires = Math.floor(Date.now() / 1000) + 600;
    const passOf = (tier: Tier) => createPass({ site: SITE_KEY, visitor: `visitor-${tier}`, tier, expires }, secret);
    const send = async (query = '', headers: Record<string, string> = {}) =>
      app.request(`/v1/events${query}`, { method: 'POST', headers: { 'Content-Type': 'text/plain', ...headers }, body: JSON.stringify({ siteKey: SITE_KEY, sentAt: Date.now(), events: [pageView()] }) });

    const burst = await statuses(2, () => send());
    const bronze = await send();
    const gold = await send(`?pass=${passOf('gold')}`);
    const platinum = await send(`?pass=${passOf('platinum')}`);
    const platinumHeader = await send('', { 'X-Patron-Pass': passOf('platinum') });
    const forged = await send(`?pass=${passOf('gold').replace('.gold.', '.platinum.')}`);

    expect(burst).toEqual([200, 200]);
    expect(bronze.status).toBe(429);
    expect(gold.status).toBe(429);
    expect(platinum.status).toBe(200);
    expect(platinumHeader.status).toBe(200);
    expect(forged.status).toBe(429);
  });

  it('turns off with a rate of 0', async () => {
    const shop = openLimitedApp({ addressRate: 0, siteRate: 0 });

    expect(await statuses(20, () => shop.sendEvents())).toEqual(Array(20).fill(200));
  });
});

describe('rate limits over HTTP', () => {
  /** Serves the app on a free port of 127.0.0.1 and returns its URL; the server closes when the test finishes. */
  async function listen(limits: Partial<RateLimitSettings>): Promise<string> {
    const shop = openLimitedApp(limits);
    const server = await new Promise<ServerType>((resolve) => {
      const instance = serve({ fetch: shop.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(instance));
    });
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  const postEvents = (url: string, headers: Record<string, string> = {}) =>
    fetch(`${url}/v1/events`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain', ...headers },
      body: JSON.stringify({ siteKey: SITE_KEY, sentAt: Date.now(), events: [pageView()] }),
    });

  it('leaves a loopback client alone', async () => {
    const url = await listen({ addressRate: 1, addressBurst: 2 });

    expect(await statuses(5, () => postEvents(url))).toEqual([200, 200, 200, 200, 200]);
  });

  it('limits by the address the trusted proxy added', async () => {
    const url = await listen({ addressRate: 1, addressBurst: 2, trustedProxies: 1 });

    const client = await statuses(2, () => postEvents(url, { 'X-Forwarded-For': '198.51.100.1, 203.0.113.5' }));
    // The first entry comes from the client, so changing it must not give a new bucket.
    const forged = await postEvents(url, { 'X-Forwarded-For': '198.51.100.2, 203.0.113.5' });
    const otherClient = await postEvents(url, { 'X-Forwarded-For': '203.0.113.6' });

    expect(client).toEqual([200, 200]);
    expect(forged.status).toBe(429);
    expect(otherClient.status).toBe(200);
  });

  it('reads the limits from the environment', async () => {
    const dir = makeTempDir();
    const configPath = join(dir, 'patron.config.json');
    writeFileSync(configPath, JSON.stringify(configInput()));
    // A rate of one request in 1,000 s refills no token while the test runs, however slow the machine.
    const { child, url } = await spawnCollector(join(dir, 'patron.db'), configPath, {
      PATRON_TRUST_PROXY: '1',
      PATRON_RATE_LIMIT_ADDRESS_BURST: '2',
      PATRON_RATE_LIMIT_PER_ADDRESS: '0.001',
    });
    onTestFinished(() => stopProcess(child, 'SIGTERM'));

    const results = await statuses(3, () => postEvents(url, { 'X-Forwarded-For': '203.0.113.5' }));

    expect(results).toEqual([200, 200, 429]);
  });

  it('stops the start on an invalid variable', async () => {
    const dir = makeTempDir();
    const configPath = join(dir, 'patron.config.json');
    writeFileSync(configPath, JSON.stringify(configInput()));

    const failure = await promisify(execFile)(process.execPath, [bin, 'serve', '--port', '0', '--db', join(dir, 'patron.db'), '--config', configPath], {
      env: { ...process.env, PATRON_RATE_LIMIT_PER_ADDRESS: 'lots' },
    }).catch((error: { code: number; stderr: string }) => error);

    expect(failure).toMatchObject({ code: 2, stderr: 'PATRON_RATE_LIMIT_PER_ADDRESS must be a number of 0 or more, received "lots"\n' });
  });
});
