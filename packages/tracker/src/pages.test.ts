import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { recordFetch, testOptions } from './test-server.js';
import { createTracker } from './tracker.js';

beforeEach(() => {
  localStorage.clear();
  history.replaceState(null, '', '/start');
});
afterEach(() => vi.unstubAllGlobals());

async function pageUrls(navigate: () => void | Promise<void>, hashRouting = false) {
  const net = recordFetch();
  const t = createTracker(testOptions({ trackPages: true, hashRouting }));
  await navigate();
  await t.flush();
  return net.events().filter((event) => event.type === 'page_view').map((event) => new URL(event.url!).pathname + new URL(event.url!).hash);
}

describe('single-page apps', () => {
  it('counts pushState and replaceState once each', async () => {
    const urls = await pageUrls(() => {
      history.pushState(null, '', '/products');
      history.replaceState(null, '', '/products/teapot');
    });

    expect(urls).toEqual(['/start', '/products', '/products/teapot']);
  });

  it('ignores the same URL twice', async () => {
    const urls = await pageUrls(() => {
      history.pushState(null, '', '/cart');
      history.replaceState({ step: 2 }, '', '/cart');
      history.pushState(null, '', '/cart');
    });

    expect(urls).toEqual(['/start', '/cart']);
  });

  it('counts back and forward', async () => {
    const urls = await pageUrls(async () => {
      history.pushState(null, '', '/a');
      history.pushState(null, '', '/b');
      history.replaceState(null, '', '/a');
      window.dispatchEvent(new PopStateEvent('popstate'));
      history.replaceState(null, '', '/b');
      window.dispatchEvent(new PopStateEvent('popstate'));
    });

    expect(urls).toEqual(['/start', '/a', '/b', '/a', '/b']);
  });

  it('ignores fragments without hash routing', async () => {
    const urls = await pageUrls(() => {
      history.pushState(null, '', '/start#reviews');
    });

    expect(urls).toEqual(['/start']);
  });

  it('counts fragments with hash routing', async () => {
    const urls = await pageUrls(() => {
      history.pushState(null, '', '/start#/products');
      history.pushState(null, '', '/start#/cart');
    }, true);

    expect(urls).toEqual(['/start', '/start#/products', '/start#/cart']);
  });
});
