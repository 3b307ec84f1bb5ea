import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { setPersisting } from './storage.js';
import { recordFetch, testOptions } from './test-server.js';
import { createTracker } from './tracker.js';

beforeEach(() => localStorage.clear());
afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  setPersisting(true);
});

// max-age=0 deletes a cookie in browsers; happy-dom keeps it with an empty value, which counts as none.
const cookieOf = (siteKey: string) =>
  document.cookie.split('; ').find((cookie) => cookie.startsWith(`patron_${siteKey}=`) && cookie.length > `patron_${siteKey}=`.length);

const savedKeys = (siteKey: string) => Object.keys(localStorage).filter((key) => key.endsWith(siteKey) || key.includes(`:${siteKey}:`));

describe('bots', () => {
  it('skips automated browsers by default', async () => {
    const net = recordFetch();
    expect(navigator.webdriver).toBe(true);
    const options = testOptions({ trackBots: false });
    const t = createTracker(options);
    t.page();
    await t.flush();
    const offer = await t.getOffer();

    expect(net.sent).toHaveLength(0);
    expect(offer).toBeNull();
    expect(savedKeys(options.siteKey)).toEqual([]);
    expect(cookieOf(options.siteKey)).toBeUndefined();
  });

  it('skips crawlers by user agent', async () => {
    const net = recordFetch();
    vi.spyOn(navigator, 'webdriver', 'get').mockReturnValue(false);
    vi.spyOn(navigator, 'userAgent', 'get').mockReturnValue('Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)');
    const t = createTracker(testOptions({ trackBots: false }));
    t.page();
    await t.flush();

    expect(net.sent).toHaveLength(0);
  });

  it('tracks a person with the same settings', async () => {
    const net = recordFetch();
    vi.spyOn(navigator, 'webdriver', 'get').mockReturnValue(false);
    vi.spyOn(navigator, 'userAgent', 'get').mockReturnValue('Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Version/17.5 Safari/605.1.15');
    const t = createTracker(testOptions({ trackBots: false }));
    t.page();
    await t.flush();

    expect(net.events()).toHaveLength(1);
  });
});

describe('privacy signals', () => {
  it('honours Global Privacy Control when asked', async () => {
    const net = recordFetch();
    Object.defineProperty(navigator, 'globalPrivacyControl', { value: true, configurable: true });
    const options = testOptions({ honourPrivacySignals: true });
    const t = createTracker(options);
    t.page();
    await t.flush();
    await t.getOffer();
    delete (navigator as { globalPrivacyControl?: boolean }).globalPrivacyControl;

    expect(net.sent).toHaveLength(0);
    expect(savedKeys(options.siteKey)).toEqual([]);
    expect(cookieOf(options.siteKey)).toBeUndefined();
  });

  it('honours Do Not Track when asked', async () => {
    const net = recordFetch();
    vi.spyOn(navigator, 'doNotTrack', 'get').mockReturnValue('1');
    const t = createTracker(testOptions({ honourPrivacySignals: true }));
    t.page();
    await t.flush();

    expect(net.sent).toHaveLength(0);
  });

  it('ignores the signals by default', async () => {
    const net = recordFetch();
    vi.spyOn(navigator, 'doNotTrack', 'get').mockReturnValue('1');
    const t = createTracker(testOptions());
    t.page();
    await t.flush();

    expect(net.events()).toHaveLength(1);
  });
});

describe('consent', () => {
  it('stores and sends nothing while pending', async () => {
    const net = recordFetch();
    const options = testOptions({ consent: 'pending' });
    const t = createTracker(options);
    t.page();
    t.identify('user-1');
    await t.flush();
    const offer = await t.getOffer({ placement: 'banner' });

    expect(offer).toBeNull();
    expect(net.sent).toHaveLength(0);
    expect(savedKeys(options.siteKey)).toEqual([]);
    expect(document.cookie).not.toContain(t.visitorId);
  });

  it('sends what waited once granted', async () => {
    const net = recordFetch();
    const options = testOptions({ consent: 'pending' });
    const t = createTracker(options);
    t.page();
    t.consent('granted');
    await t.flush();

    expect(net.events().map((event) => event.type)).toEqual(['page_view']);
    expect(localStorage.getItem(`patron:v:${options.siteKey}`)).toBe(t.visitorId);
  });

  it('erases stored ids when denied later', async () => {
    recordFetch();
    const options = testOptions();
    const t = createTracker(options);
    t.page();
    await t.flush();
    expect(cookieOf(options.siteKey)).toBeDefined();
    t.consent('denied');
    t.page();

    expect(savedKeys(options.siteKey)).toEqual([]);
    expect(cookieOf(options.siteKey)).toBeUndefined();
  });

  it('discards what waited once denied', async () => {
    const net = recordFetch();
    const t = createTracker(testOptions({ consent: 'pending' }));
    t.page();
    t.consent('denied');
    t.page();
    await t.flush();

    expect(net.sent).toHaveLength(0);
  });
});
