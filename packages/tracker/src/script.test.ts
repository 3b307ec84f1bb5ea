import type { Batch } from '@patron/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { recordFetch } from './test-server.js';

type Patron = { flush(): Promise<void>; visitorId: string };

/** Runs the script-tag entry as if loaded by `<script src="…/patron.js" data-…>`. */
async function loadScript(attributes: Record<string, string>) {
  const script = document.createElement('script');
  script.src = 'https://collector.test/patron.js';
  // happy-dom reports itself as an automated browser.
  script.setAttribute('data-track-bots', '');
  for (const [name, value] of Object.entries(attributes)) script.setAttribute(name, value);
  Object.defineProperty(document, 'currentScript', { value: script, configurable: true });
  vi.resetModules();
  await import('./script.js');
}

beforeEach(() => {
  localStorage.clear();
  delete (window as { patron?: unknown }).patron;
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('script tag', () => {
  it('records a page view to the script origin', async () => {
    const net = recordFetch();
    await loadScript({ 'data-site-key': 'demo-shop' });
    const patron = (window as unknown as { patron: Patron }).patron;
    await patron.flush();

    expect(net.sent[0]!.url).toBe('https://collector.test/v1/events');
    expect(net.events()).toMatchObject([{ type: 'page_view', visitorId: patron.visitorId }]);
  });

  it('uses data-endpoint and data-currency', async () => {
    const net = recordFetch();
    await loadScript({ 'data-site-key': 'demo-shop', 'data-endpoint': 'https://events.shop.test/', 'data-currency': 'EUR' });
    const patron = (window as unknown as { patron: Patron & { viewItem(item: object): void } }).patron;
    patron.viewItem({ id: 'a', name: 'A', price: 1 });
    await patron.flush();

    expect(net.sent[0]!.url).toBe('https://events.shop.test/v1/events');
    expect(net.events()[1]).toMatchObject({ type: 'view_item', currency: 'EUR' });
  });

  it('replays calls queued by the stub in order', async () => {
    const net = recordFetch();
    const stub = Object.assign((...args: unknown[]) => stub.q.push(args), { q: [] as unknown[][] });
    (window as unknown as { patron: unknown }).patron = stub;
    stub('track', 'first');
    stub('track', 'second');
    await loadScript({ 'data-site-key': 'demo-shop' });
    await (window as unknown as { patron: Patron }).patron.flush();

    expect(net.events().map((event) => (event.type === 'custom' ? event.name : event.type))).toEqual([
      'page_view',
      'first',
      'second',
    ]);
  });

  it('does nothing when loaded twice', async () => {
    const net = recordFetch();
    await loadScript({ 'data-site-key': 'demo-shop' });
    const first = (window as unknown as { patron: Patron }).patron;
    await loadScript({ 'data-site-key': 'demo-shop' });
    await first.flush();

    expect((window as unknown as { patron: Patron }).patron).toBe(first);
    expect(net.sent.flatMap((entry) => (entry.body as Batch).events)).toHaveLength(1);
  });

  it('warns and records nothing without data-site-key', async () => {
    const net = recordFetch();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    await loadScript({});

    expect(warn).toHaveBeenCalledWith(expect.stringContaining('data-site-key'));
    expect((window as { patron?: unknown }).patron).toBeUndefined();
    expect(net.sent).toHaveLength(0);
  });
});
