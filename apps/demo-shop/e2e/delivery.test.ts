import type { Batch } from '@patron/protocol';
import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { browserSkipReason, launchChromium, newVisitorContext, serveShop, waitUntil, type ServedShop } from './harness.js';

/** Matches requests to /v1/events with or without a query string, such as the tracker's pass. */
const EVENTS_URL = /\/v1\/events(\?|$)/;

const skip = browserSkipReason();
const products = ['enamel-teapot', 'regency-teacup', 'jam-jar-lantern', 'paper-star-garland', 'wooden-advent-calendar'];

/**
 * Event ids of every request to /v1/events that reached the collector and got a response, one
 * entry per delivery. Attempts that failed offline are not deliveries.
 */
function watchSentIds(context: BrowserContext): string[] {
  const ids: string[] = [];
  context.on('requestfinished', (request: Request) => {
    if (new URL(request.url()).pathname !== '/v1/events') return;
    const batch = JSON.parse(request.postData() ?? '{}') as Batch;
    ids.push(...batch.events.map((event) => event.id));
  });
  return ids;
}

describe.skipIf(skip !== undefined)('tracker delivery in Chromium', () => {
  let shop: ServedShop;
  let browser: Browser;
  let context: BrowserContext;

  beforeAll(async () => {
    shop = await serveShop();
    browser = await launchChromium();
  });
  afterEach(async () => {
    await context?.close();
  });
  afterAll(async () => {
    await browser?.close();
    await shop?.stop();
  });

  const stored = (visitorId: string, type: string) =>
    shop.query<{ n: number }>('SELECT count(*) AS n FROM events WHERE visitor_id = ? AND type = ?', visitorId, type)[0]!.n;
  const visitorOf = (page: Page) => page.evaluate(() => (window as unknown as { patron: { visitorId: string } }).patron.visitorId);

  it('loses nothing across quick navigations', async () => {
    context = await newVisitorContext(browser, shop.url);
    const page = await context.newPage();
    await page.goto(`${shop.url}/`);
    const visitorId = await visitorOf(page);
    // Leave every page as soon as it has loaded, before the one-second batch delay.
    for (let round = 0; round < 3; round++) {
      for (const id of products) await page.goto(`${shop.url}/products/${id}/`, { waitUntil: 'load' });
    }
    await page.goto(`${shop.url}/cart/`);

    await waitUntil('every view is stored', () => stored(visitorId, 'view_item') === 15 && stored(visitorId, 'page_view') === 17, 15_000);
    await page.waitForTimeout(1_500);
    expect(stored(visitorId, 'view_item')).toBe(15);
    expect(stored(visitorId, 'page_view')).toBe(17);
  });

  it('sends events recorded offline once back online', async () => {
    context = await newVisitorContext(browser, shop.url);
    const sent = watchSentIds(context);
    const page = await context.newPage();
    await page.goto(`${shop.url}/products/jam-jar-lantern/`);
    const visitorId = await visitorOf(page);
    await waitUntil('the first page is stored', () => stored(visitorId, 'view_item') === 1);

    await context.setOffline(true);
    for (let i = 0; i < 3; i++) await page.click('#add-to-cart');
    await page.waitForTimeout(2_500);
    expect(stored(visitorId, 'add_to_cart')).toBe(0);
    await context.setOffline(false);

    await waitUntil('the offline events are stored', () => stored(visitorId, 'add_to_cart') === 3, 15_000);
    await page.waitForTimeout(1_500);
    expect(stored(visitorId, 'add_to_cart')).toBe(3);
    const cartIds = shop.query<{ id: string }>("SELECT id FROM events WHERE visitor_id = ? AND type = 'add_to_cart'", visitorId);
    for (const { id } of cartIds) expect(sent.filter((sentId) => sentId === id)).toHaveLength(1);
  });

  it('waits as Retry-After asks on a 503', async () => {
    context = await newVisitorContext(browser, shop.url);
    const attempts: number[] = [];
    await context.route(EVENTS_URL, async (route) => {
      attempts.push(Date.now());
      if (attempts.length === 1) {
        await route.fulfill({ status: 503, headers: { 'Retry-After': '2', 'Content-Type': 'application/json' }, body: '{"code":"overloaded"}' });
      } else {
        await route.continue();
      }
    });
    const page = await context.newPage();
    await page.goto(`${shop.url}/help/`);
    const visitorId = await visitorOf(page);

    await waitUntil('the page view is stored', () => stored(visitorId, 'page_view') === 1, 15_000);
    expect(attempts.length).toBe(2);
    expect(attempts[1]! - attempts[0]!).toBeGreaterThanOrEqual(2_000);
  });

  it('sends each event from only one of two tabs', async () => {
    context = await newVisitorContext(browser, shop.url);
    // A slow collector keeps one tab's batch in flight while the other tab flushes.
    await context.route(EVENTS_URL, async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      await route.continue();
    });
    const first = await context.newPage();
    const second = await context.newPage();
    // Which tabs delivered each event id. A tab may deliver an event again after a failed attempt;
    // what must never happen is both tabs delivering it.
    const senders = new Map<string, Set<Page>>();
    context.on('requestfinished', (request: Request) => {
      if (new URL(request.url()).pathname !== '/v1/events') return;
      for (const event of (JSON.parse(request.postData() ?? '{}') as Batch).events) {
        senders.set(event.id, (senders.get(event.id) ?? new Set()).add(request.frame().page()));
      }
    });
    await first.goto(`${shop.url}/products/enamel-teapot/`);
    await second.goto(`${shop.url}/products/regency-teacup/`);
    const visitorId = await visitorOf(first);
    await waitUntil('both pages are stored', () => stored(visitorId, 'view_item') === 2, 15_000);

    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 3; i++) {
        await first.click('#add-to-cart');
        await second.click('#add-to-cart');
      }
      await Promise.all([first, second, first, second].map((page) => page.evaluate(() => (window as unknown as { patron: { flush(): Promise<void> } }).patron.flush())));
    }

    await waitUntil('all adds are stored', () => stored(visitorId, 'add_to_cart') === 18, 15_000);
    await first.waitForTimeout(1_500);
    expect(senders.size).toBe(2 * 2 + 18);
    expect([...senders].filter(([, pages]) => pages.size > 1).map(([id]) => id)).toEqual([]);
  });

  it('counts each single-page-app navigation once', async () => {
    context = await newVisitorContext(browser, shop.url);
    const page = await context.newPage();
    await page.goto(`${shop.url}/help/`);
    const visitorId = await visitorOf(page);
    for (const topic of ['delivery', 'returns', 'care']) {
      await page.click(`[data-topic="${topic}"]`);
      await page.locator(`#help-topic[data-topic="${topic}"]`).waitFor();
    }
    await page.goBack();
    await page.locator('#help-topic[data-topic="returns"]').waitFor();
    await page.goBack();
    await page.locator('#help-topic[data-topic="delivery"]').waitFor();
    await page.goForward();
    await page.locator('#help-topic[data-topic="returns"]').waitFor();
    await page.evaluate(() => (window as unknown as { patron: { flush(): Promise<void> } }).patron.flush());

    const urls = shop
      .query<{ url: string }>("SELECT url FROM events WHERE visitor_id = ? AND type = 'page_view' ORDER BY occurred_at, rowid", visitorId)
      .map((row) => new URL(row.url).search);
    expect(urls).toEqual(['', '?topic=delivery', '?topic=returns', '?topic=care', '?topic=returns', '?topic=delivery', '?topic=returns']);
  });
});
