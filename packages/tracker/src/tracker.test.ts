import { parseEvent } from '@patron/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { recordFetch, testOptions } from './test-server.js';
import { createTracker, type Tracker, type TrackerOptions } from './tracker.js';

const teapot = { id: 'enamel-teapot', name: 'Enamel teapot', category: 'Tableware', price: '24.00' };
const tracker = (options: Partial<TrackerOptions> = {}) => createTracker(testOptions(options));

beforeEach(() => localStorage.clear());
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('event payloads', () => {
  it('sends one text/plain batch', async () => {
    const net = recordFetch();
    const t = tracker();
    t.page();
    await t.flush();

    expect(net.sent).toHaveLength(1);
    expect(net.sent[0]!.url).toBe('https://collector.test/v1/events');
    expect(typeof net.sent[0]!.init.body).toBe('string');
    expect(net.sent[0]!.init.headers).toBeUndefined();
    expect(net.sent[0]!.init.keepalive).toBe(true);
    expect(net.sent[0]!.body).toMatchObject({ siteKey: expect.stringMatching(/^site-/), sentAt: expect.any(Number) });
  });

  it.each<[string, (t: Tracker) => void, object]>([
    ['page', (t) => t.page(), { type: 'page_view' }],
    ['viewItem', (t) => t.viewItem(teapot), { type: 'view_item', currency: 'GBP', items: [{ ...teapot, quantity: 1 }] }],
    ['addToCart', (t) => t.addToCart(teapot, 2), { type: 'add_to_cart', currency: 'GBP', items: [{ ...teapot, quantity: 2 }] }],
    [
      'removeFromCart',
      (t) => t.removeFromCart({ ...teapot, currency: 'EUR' }),
      { type: 'remove_from_cart', currency: 'EUR', items: [{ ...teapot, quantity: 1 }] },
    ],
    [
      'beginCheckout',
      (t) => t.beginCheckout([{ ...teapot, quantity: 3 }]),
      { type: 'begin_checkout', currency: 'GBP', items: [{ ...teapot, quantity: 3 }] },
    ],
    [
      'purchase',
      (t) => t.purchase({ transactionId: 'HH-1', value: '48.00', items: [{ ...teapot, quantity: 2 }], shipping: 3.5 }),
      { type: 'purchase', transactionId: 'HH-1', value: '48.00', currency: 'GBP', shipping: 3.5, items: [{ ...teapot, quantity: 2 }] },
    ],
    ['identify', (t) => t.identify('ada@example.com', { plan: 'gold' }), { type: 'identify', userId: 'ada@example.com', traits: { plan: 'gold' } }],
    ['identify with userHash', (t) => t.identify('ada', undefined, 'a'.repeat(64)), { type: 'identify', userId: 'ada', userHash: 'a'.repeat(64) }],
    ['track', (t) => t.track('newsletter_signup', { source: 'footer' }), { type: 'custom', name: 'newsletter_signup', props: { source: 'footer' } }],
  ])('%s sends a valid event', async (_name, call, expected) => {
    const net = recordFetch();
    const t = tracker();
    call(t);
    await t.flush();

    const [event] = net.events();
    expect(event).toMatchObject(expected);
    expect(event).toMatchObject({ visitorId: t.visitorId, sessionId: t.sessionId, url: location.href });
    expect(event!.id).toMatch(/^[0-9a-f]{32}$/);
    expect(parseEvent(event)).toMatchObject({ ok: true });
  });

  it('gives every event its own id', async () => {
    const net = recordFetch();
    const t = tracker();
    for (let i = 0; i < 5; i++) t.page();
    await t.flush();

    expect(new Set(net.events().map((event) => event.id)).size).toBe(5);
  });

  it('adds the user id after identify', async () => {
    const net = recordFetch();
    const t = tracker();
    t.identify('user-7');
    t.page();
    await t.flush();

    expect(net.events()[1]).toMatchObject({ type: 'page_view', userId: 'user-7' });
  });

  it('drops the user id after reset', async () => {
    const net = recordFetch();
    const t = tracker();
    t.identify('user-7');
    const before = t.visitorId;
    t.reset();
    t.page();
    await t.flush();

    expect(net.events()[1]!.userId).toBeUndefined();
    expect(net.events()[1]!.visitorId).not.toBe(before);
  });
});

describe('initialising twice', () => {
  it('returns the same tracker for one site', async () => {
    const net = recordFetch();
    const options = testOptions();
    const first = createTracker(options);
    const second = createTracker({ ...options, endpoint: `${options.endpoint}/` });
    first.page();
    second.page();
    await first.flush();

    expect(second).toBe(first);
    expect(net.events()).toHaveLength(2);
  });
});

describe('properties that cannot be sent', () => {
  it.each<[string, (t: Tracker) => void]>([
    ['a nested object in props', (t) => t.track('x', { nested: {} } as never)],
    ['a function in traits', (t) => t.identify('u', { fn: () => 1 } as never)],
    ['a circular item', (t) => {
      const item: Record<string, unknown> = { ...teapot };
      item.self = item;
      t.addToCart(item as never);
    }],
  ])('skips %s without throwing', async (_name, call) => {
    const net = recordFetch();
    const info = vi.spyOn(console, 'info').mockImplementation(() => {});
    const t = tracker({ debug: true });

    expect(() => call(t)).not.toThrow();
    t.page();
    await t.flush();
    expect(net.events().map((event) => event.type)).toEqual(['page_view']);
    expect(info).toHaveBeenCalledWith(expect.stringContaining('not recorded'), '');
  });
});
