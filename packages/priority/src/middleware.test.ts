import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { priority } from './hono.js';
import { PriorityLimiter } from './limiter.js';
import { withPriority } from './node.js';
import { createPass } from './pass.js';
import type { Tier } from './tiers.js';

const SECRET = 'site-secret-of-24-chars-at-least';
const passFor = (tier: Tier) => createPass({ site: 'shop', visitor: `visitor-${tier}`, tier, expires: Math.floor(Date.now() / 1000) + 600 }, SECRET);

/** A gate that holds requests in flight until opened. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('priority for Hono', () => {
  it('sheds bronze and admits platinum under load', async () => {
    const limiter = new PriorityLimiter({ initialLimit: 2, minLimit: 2, reservedTopShare: 0.5, maxWaitMs: 30 });
    const held = gate();
    const app = new Hono().use(priority({ siteKey: 'shop', secret: SECRET, limiter })).get('/checkout', async (c) => {
      await held.opened;
      return c.text('ok');
    });
    const cookie = (tier: Tier) => ({ headers: { Cookie: `theme=dark; patron_pass=${encodeURIComponent(passFor(tier))}` } });

    const busy = app.request('/checkout', cookie('silver'));
    await new Promise((resolve) => setTimeout(resolve, 5));
    const bronze = await app.request('/checkout');
    const platinum = app.request('/checkout', cookie('platinum'));
    await new Promise((resolve) => setTimeout(resolve, 5));
    held.open();

    expect(bronze.status).toBe(503);
    expect(bronze.headers.get('retry-after')).toBe('2');
    expect((await platinum).status).toBe(200);
    expect((await busy).status).toBe(200);
    expect(limiter.counts.platinum.admitted).toBe(1);
  });

  it('treats a forged pass as bronze', async () => {
    const limiter = new PriorityLimiter();
    const app = new Hono().use(priority({ siteKey: 'shop', secret: SECRET, limiter })).get('/', (c) => c.text('ok'));

    await app.request('/', { headers: { 'X-Patron-Pass': passFor('bronze').replace('.bronze.', '.platinum.') } });

    expect(limiter.counts.bronze.admitted).toBe(1);
    expect(limiter.counts.platinum.admitted).toBe(0);
  });
});

describe('pass of a request', () => {
  const admitted = async (headers: Record<string, string>) => {
    const limiter = new PriorityLimiter();
    const app = new Hono().use(priority({ siteKey: 'shop', secret: SECRET, limiter })).get('/', (c) => c.text('ok'));
    const response = await app.request('/', { headers });
    expect(response.status).toBe(200);
    return Object.entries(limiter.counts).find(([, count]) => count.admitted === 1)?.[0];
  };

  it('reads a malformed cookie as bronze', async () => {
    expect(await admitted({ Cookie: 'patron_pass=%E0%A4%A' })).toBe('bronze');
  });

  it('keeps a valid cookie behind an invalid header', async () => {
    expect(await admitted({ 'X-Patron-Pass': 'p1.shop.forged', Cookie: `patron_pass=${encodeURIComponent(passFor('platinum'))}` })).toBe('platinum');
  });

  it('rejects a missing secret', () => {
    expect(() => priority({ siteKey: 'shop', secret: undefined as unknown as string })).toThrow(/secret is missing/);
    expect(() => withPriority(() => {}, { siteKey: 'shop', secret: 'short' })).toThrow(/shorter than 24 characters/);
  });
});

describe('withPriority for node:http', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  it('sheds over a real connection', async () => {
    const limiter = new PriorityLimiter({ initialLimit: 1, minLimit: 1, reservedTopShare: 0, maxWaitMs: 30 });
    const held = gate();
    server = createServer(
      withPriority(async (_request, response) => {
        await held.opened;
        response.end('ok');
      }, { siteKey: 'shop', secret: SECRET, limiter }),
    );
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

    const first = fetch(url, { headers: { 'X-Patron-Pass': passFor('gold') } });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const second = await fetch(url);
    held.open();

    expect(second.status).toBe(503);
    expect(await second.text()).toContain('busy');
    expect((await first).status).toBe(200);
    expect(limiter.active).toBe(0);
  });

  it('releases the slot of a client that left', async () => {
    const limiter = new PriorityLimiter({ initialLimit: 1, minLimit: 1, maxLimit: 1, reservedTopShare: 0, maxWaitMs: 2000 });
    const held = gate();
    let handled = 0;
    server = createServer(
      withPriority(async (_request, response) => {
        handled++;
        await held.opened;
        response.end('ok');
      }, { siteKey: 'shop', secret: SECRET, limiter }),
    );
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;

    const first = fetch(`http://127.0.0.1:${port}/`);
    await new Promise((resolve) => setTimeout(resolve, 20));
    // The second request waits for the only slot, and its client gives up meanwhile.
    const leaving = request({ host: '127.0.0.1', port, path: '/' });
    leaving.on('error', () => {});
    leaving.end();
    await new Promise((resolve) => setTimeout(resolve, 20));
    leaving.destroy();
    await new Promise((resolve) => setTimeout(resolve, 20));
    held.open();
    await first;
    await new Promise((resolve) => setTimeout(resolve, 50));

    expect(handled).toBe(1);
    expect(limiter.active).toBe(0);
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(200);
  });

  it('survives a malformed cookie', async () => {
    server = createServer(withPriority((_request, response) => response.end('ok'), { siteKey: 'shop', secret: SECRET }));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

    const response = await fetch(url, { headers: { Cookie: 'patron_pass=%E0%A4%A' } });

    expect(response.status).toBe(200);
  });
});
