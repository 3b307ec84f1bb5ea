// @vitest-environment node
import { afterEach, describe, expect, it, vi } from 'vitest';

afterEach(() => vi.unstubAllGlobals());

describe('server-side rendering', () => {
  it('imports and records nothing without a browser', async () => {
    const fetch = vi.fn();
    vi.stubGlobal('fetch', fetch);
    expect(typeof window).toBe('undefined');

    const { createTracker } = await import('./index.js');
    const tracker = createTracker({ endpoint: 'https://collector.test', siteKey: 'demo-shop' });
    tracker.page();
    tracker.addToCart({ id: 'a', name: 'A', price: 1 });
    await tracker.flush();

    expect(tracker.visitorId).toMatch(/^[0-9a-f]{32}$/);
    expect(fetch).not.toHaveBeenCalled();
  });
});
