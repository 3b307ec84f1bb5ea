import { parseEvent } from '@patron/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { recordFetch } from './test-server.js';
import { createTracker, type TrackerOptions } from './tracker.js';

const endpoint = 'https://collector.test';
const teapot = { id: 'enamel-teapot', name: 'Enamel teapot', category: 'Tableware', price: '24.00' };

function tracker(options: Partial<TrackerOptions> = {}) {
  return createTracker({ endpoint, siteKey: 'demo-shop', flushDelay: 10, ...options });
}

beforeEach(() => {
  localStorage.clear();
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('event payloads', () => {
  it('sends one batch as text/plain with keepalive off', async () => {
    const net = recordFetch();
    const t = tracker();
    t.page();
    await t.flush();

    expect(net.sent).toHaveLength(1);
    expect(net.sent[0]!.url).toBe(`${endpoint}/v1/events`);
    expect(new Headers(net.sent[0]!.init.headers).get('content-type')).toBe('text/plain;charset=UTF-8');
    expect(net.sent[0]!.init.keepalive).toBe(false);
    expect(net.sent[0]!.body).toMatchObject({ siteKey: 'demo-shop', sentAt: expect.any(Number) });
  });

  it.each([
    ['page', (t: ReturnType<typeof tracker>) => t.page(), { type: 'page_view' }],
    [
      'viewItem',
      (t: ReturnType<typeof tracker>) => t.viewItem(teapot),
      { type: 'view_item', currency: 'GBP', items: [{ ...teapot, quantity: 1 }] },
    ],
    [
      'addToCart',
      (t: ReturnType<typeof tracker>) => t.addToCart(teapot, 2),
      { type: 'add_to_cart', currency: 'GBP', items: [{ ...teapot, quantity: 2 }] },
    ],
    [
      'removeFromCart',
      (t: ReturnType<typeof tracker>) => t.removeFromCart({ ...teapot, currency: 'EUR' }),
      { type: 'remove_from_cart', currency: 'EUR', items: [{ ...teapot, quantity: 1 }] },
    ],
    [
      'beginCheckout',
      (t: ReturnType<typeof tracker>) => t.beginCheckout([{ ...teapot, quantity: 3 }]),
      { type: 'begin_checkout', currency: 'GBP', items: [{ ...teapot, quantity: 3 }] },
    ],
    [
      'purchase',
      (t: ReturnType<typeof tracker>) =>
        t.purchase({ transactionId: 'HH-1', value: '48.00', items: [{ ...teapot, quantity: 2 }], shipping: 3.5 }),
      { type: 'purchase', transactionId: 'HH-1', value: '48.00', currency: 'GBP', shipping: 3.5, items: [{ ...teapot, quantity: 2 }] },
    ],
    [
      'identify',
      (t: ReturnType<typeof tracker>) => t.identify('ada@example.com', { plan: 'gold' }),
      { type: 'identify', userId: 'ada@example.com', traits: { plan: 'gold' } },
    ],
    [
      'track',
      (t: ReturnType<typeof tracker>) => t.track('newsletter_signup', { source: 'footer' }),
      { type: 'custom', name: 'newsletter_signup', props: { source: 'footer' } },
    ],
  ])('%s sends a valid event', async (_name, call, expected) => {
    const net = recordFetch();
    const t = tracker();
    call(t);
    await t.flush();

    const [event] = net.events();
    expect(event).toMatchObject(expected);
    expect(event).toMatchObject({ visitorId: t.visitorId, sessionId: t.sessionId, url: location.href });
    expect(event!.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(parseEvent(event)).toMatchObject({ ok: true });
  });

  it('gives every event its own id', async () => {
    const net = recordFetch();
    const t = tracker();
    for (let i = 0; i < 5; i++) t.page();
    await t.flush();

    const ids = net.events().map((event) => event.id);
    expect(new Set(ids).size).toBe(5);
  });

  it('adds the user id after identify', async () => {
    const net = recordFetch();
    const t = tracker();
    t.identify('user-7');
    t.page();
    await t.flush();

    expect(net.events()[1]).toMatchObject({ type: 'page_view', userId: 'user-7' });
  });
});

describe('batching and delivery', () => {
  it('sends a full batch without waiting for the delay', async () => {
    const net = recordFetch();
    const t = tracker({ maxBatchSize: 3, flushDelay: 60_000 });
    t.page();
    t.page();
    expect(net.sent).toHaveLength(0);
    t.page();
    await vi.waitFor(() => expect(net.sent).toHaveLength(1));
    expect((net.sent[0]!.body as { events: unknown[] }).events).toHaveLength(3);
  });

  it('sends after the delay', async () => {
    const net = recordFetch();
    const t = tracker({ flushDelay: 20 });
    t.page();
    expect(net.sent).toHaveLength(0);
    await vi.waitFor(() => expect(net.sent).toHaveLength(1));
  });

  it('retries a 503 with the same event ids', async () => {
    let calls = 0;
    const net = recordFetch((_url, body) => {
      calls++;
      if (calls === 1) return new Response('busy', { status: 503 });
      return Response.json({ accepted: (body as { events: unknown[] }).events.length, duplicates: 0, rejected: [] });
    });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const t = tracker();
    t.page();
    await t.flush();
    expect(net.sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(5_000);

    expect(net.sent).toHaveLength(2);
    expect(net.events()[0]!.id).toBe(net.events()[1]!.id);
  });

  it('drops a batch the collector rejects with 400', async () => {
    const net = recordFetch(() => new Response('{"code":"invalid_body"}', { status: 400 }));
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const t = tracker();
    t.page();
    await t.flush();
    await vi.advanceTimersByTimeAsync(120_000);

    expect(net.sent).toHaveLength(1);
  });

  it('sends with keepalive when the page is hidden', async () => {
    const net = recordFetch();
    tracker({ flushDelay: 60_000 }).page();
    window.dispatchEvent(new Event('pagehide'));
    await vi.waitFor(() => expect(net.sent).toHaveLength(1));

    expect(net.sent[0]!.init.keepalive).toBe(true);
  });
});

describe('offers', () => {
  it('sends waiting events before asking for the offer', async () => {
    const net = recordFetch();
    const t = tracker({ flushDelay: 60_000 });
    t.addToCart(teapot);
    const response = await t.getOffer({ placement: 'banner' });

    expect(net.sent.map((entry) => entry.url)).toEqual([`${endpoint}/v1/events`, `${endpoint}/v1/offer`]);
    expect(net.sent[1]!.body).toMatchObject({
      siteKey: 'demo-shop',
      visitorId: t.visitorId,
      placement: 'banner',
      context: { sessionId: t.sessionId, url: location.href },
    });
    expect(response).toEqual({ offer: null, decisionId: 'decision-1', reasons: ['no offer matched'] });
  });

  it('resolves with no offer when the collector is unreachable', async () => {
    recordFetch(() => Promise.reject(new TypeError('Failed to fetch')));
    const response = await tracker().getOffer();

    expect(response.offer).toBeNull();
    expect(response.reasons).toEqual(['the collector could not be reached']);
  });
});
