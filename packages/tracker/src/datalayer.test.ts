import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { bridgeDataLayer } from './datalayer.js';
import { recordFetch, testOptions } from './test-server.js';
import { createTracker } from './tracker.js';

const teapot = { item_id: 'enamel-teapot', item_name: 'Enamel teapot', item_category: 'Tableware', price: 24, quantity: 2 };

beforeEach(() => localStorage.clear());
afterEach(() => vi.unstubAllGlobals());

/** Pushes an arguments object, as Google's gtag snippet does. */
function gtag(layer: unknown[], ...args: unknown[]) {
  (function (..._values: unknown[]) {
    // biome-ignore lint/style/noArguments: gtag pushes the arguments object itself.
    layer.push(arguments);
  })(...args);
}

describe('dataLayer bridge', () => {
  it('records entries pushed before and after', async () => {
    const net = recordFetch();
    const layer: unknown[] = [{ event: 'view_item', ecommerce: { currency: 'GBP', value: 24, items: [teapot] } }];
    const tracker = createTracker(testOptions());
    bridgeDataLayer(tracker, layer);
    layer.push({ event: 'add_to_cart', ecommerce: { currency: 'GBP', value: 48, items: [teapot] } });
    await tracker.flush();

    expect(net.events()).toMatchObject([
      { type: 'view_item', currency: 'GBP', items: [{ id: 'enamel-teapot', name: 'Enamel teapot', category: 'Tableware', price: 24 }] },
      { type: 'add_to_cart', currency: 'GBP', items: [{ id: 'enamel-teapot', quantity: 2 }] },
    ]);
  });

  it('records gtag purchases', async () => {
    const net = recordFetch();
    const layer: unknown[] = [];
    const tracker = createTracker(testOptions());
    bridgeDataLayer(tracker, layer);
    gtag(layer, 'event', 'purchase', { transaction_id: 'T-1', value: '48.00', currency: 'GBP', shipping: 3.5, items: [teapot] });
    await tracker.flush();

    expect(net.events()).toMatchObject([
      { type: 'purchase', transactionId: 'T-1', value: '48.00', currency: 'GBP', shipping: 3.5, items: [{ id: 'enamel-teapot', quantity: 2 }] },
    ]);
  });

  it('ignores other entries', async () => {
    const net = recordFetch();
    const layer: unknown[] = [{ event: 'gtm.js' }, { ecommerce: null }, ['config', 'G-123'], { event: 'purchase', ecommerce: { items: [] } }];
    const tracker = createTracker(testOptions());
    bridgeDataLayer(tracker, layer);
    await tracker.flush();

    expect(net.events()).toEqual([]);
  });

  it('records each entry once when set up twice', async () => {
    const net = recordFetch();
    const layer: unknown[] = [{ event: 'begin_checkout', ecommerce: { currency: 'GBP', items: [teapot] } }];
    const tracker = createTracker(testOptions());
    bridgeDataLayer(tracker, layer);
    bridgeDataLayer(tracker, layer);
    layer.push({ event: 'remove_from_cart', ecommerce: { currency: 'GBP', items: [teapot] } });
    await tracker.flush();

    expect(net.events().map((event) => event.type)).toEqual(['begin_checkout', 'remove_from_cart']);
  });

  it('uses window.dataLayer by default', async () => {
    const net = recordFetch();
    const tracker = createTracker(testOptions());
    bridgeDataLayer(tracker);
    (window as unknown as { dataLayer: unknown[] }).dataLayer.push({ event: 'view_item', ecommerce: { currency: 'EUR', items: [teapot] } });
    await tracker.flush();

    expect(net.events()).toMatchObject([{ type: 'view_item', currency: 'EUR' }]);
  });
});
