// @vitest-environment node
import { afterEach, describe, expect, it, vi } from 'vitest';

afterEach(() => vi.unstubAllGlobals());

describe('server-side rendering', () => {
  it('imports and creates a tracker without browser globals', async () => {
    const fetch = vi.fn(async () => Response.json({ accepted: 1, duplicates: 0, rejected: [] }));
    vi.stubGlobal('fetch', fetch);
    expect(typeof window).toBe('undefined');

    const { createTracker } = await import('./index.js');
    const tracker = createTracker({ endpoint: 'https://collector.test', siteKey: 'demo-shop' });
    tracker.page();
    await tracker.flush();

    expect(tracker.visitorId).toMatch(/^[0-9a-f-]{36}$/);
    expect(fetch).toHaveBeenCalledTimes(1);
  });
});
