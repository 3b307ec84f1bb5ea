import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserSkipReason, launchChromium, newVisitorContext, serveShop, waitUntil, type ServedShop } from './harness.js';

const skip = browserSkipReason();

describe.skipIf(skip !== undefined)('demo shop in Chromium', () => {
  let shop: ServedShop;
  let browser: Browser;

  beforeAll(async () => {
    shop = await serveShop();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await shop?.stop();
  });

  const count = (type: string) =>
    shop.query<{ n: number }>('SELECT count(*) AS n FROM events WHERE type = ?', type)[0]!.n;

  /** Waits until the banner has the offer decision, which the page requests after sending its events. */
  async function bannerState(page: Page): Promise<{ state: string; offerId: string }> {
    const banner = page.locator('#offer[data-state]');
    await banner.waitFor({ state: 'attached' });
    return {
      state: (await banner.getAttribute('data-state'))!,
      offerId: (await banner.getAttribute('data-offer-id')) ?? '',
    };
  }

  /** Opens a later visit: more than 30 minutes without activity ends the tracker's session. */
  async function returnLater(context: BrowserContext): Promise<Page> {
    await context.clock.fastForward('31:00');
    const page = await context.newPage();
    await page.goto(`${shop.url}/`);
    return page;
  }

  it('shows the basket offer on the next visit and stores the purchase once', async () => {
    const context = await newVisitorContext(browser);
    await context.clock.install();

    // First visit: nothing to offer yet, then a product view and an add to cart.
    const first = await context.newPage();
    await first.goto(`${shop.url}/`);
    expect(await bannerState(first)).toEqual({ state: 'empty', offerId: '' });
    await first.click('a[href="/products/enamel-teapot/"]');
    await first.fill('#quantity', '2');
    await first.click('#add-to-cart');
    await first.locator('#added').waitFor({ state: 'visible' });
    // Leaving right away: the tracker sends what is queued while the page closes.
    await first.close({ runBeforeUnload: true });
    await waitUntil('the add to cart is stored', () => count('add_to_cart') === 1);
    expect(count('view_item')).toBe(1);

    const [added] = shop.query<{ items: string; currency: string }>("SELECT items, currency FROM events WHERE type = 'add_to_cart'");
    expect(added!.currency).toBe('GBP');
    expect(JSON.parse(added!.items)).toEqual([
      { id: 'enamel-teapot', name: 'Enamel teapot', category: 'Tableware', price: 2400, quantity: 2 },
    ]);

    // Second visit: the basket offer, then checkout.
    const second = await returnLater(context);
    expect(await bannerState(second)).toEqual({ state: 'shown', offerId: 'basket-waiting' });
    await expect(second.locator('#offer-title').textContent()).resolves.toBe('Your basket is waiting');
    await second.click('#offer-link');
    await second.waitForURL('**/cart/');
    await second.click('#checkout');
    await second.waitForURL('**/checkout/');
    await second.fill('#name', 'Ada Lovelace');
    await second.fill('#email', 'ada@example.com');
    await second.click('#place-order');
    await second.waitForURL('**/order/?id=*');

    // Same session as the purchase: no basket offer any more, and no thank-you yet.
    expect(await bannerState(second)).toEqual({ state: 'empty', offerId: '' });
    const orderId = await second.locator('#order-id').textContent();
    const purchases = () =>
      shop.query<{ transaction_id: string; value: number; currency: string }>(
        "SELECT transaction_id, value, currency FROM events WHERE type = 'purchase'",
      );
    expect(purchases()).toEqual([{ transaction_id: orderId, value: 4800, currency: 'GBP' }]);

    // Reloading the confirmation sends the purchase again; the collector keeps one.
    await second.reload();
    expect(await bannerState(second)).toEqual({ state: 'empty', offerId: '' });
    await second.reload();
    expect(await bannerState(second)).toEqual({ state: 'empty', offerId: '' });
    expect(purchases()).toHaveLength(1);
    await second.close();

    // Third visit: a returning customer gets the thank-you offer.
    const third = await returnLater(context);
    expect(await bannerState(third)).toEqual({ state: 'shown', offerId: 'thank-you' });
    await context.close();
  });

  it('keeps one visitor id across reloads and visits', async () => {
    const context = await newVisitorContext(browser);
    const page = await context.newPage();
    await page.goto(`${shop.url}/`);
    const visitorId = await page.evaluate(() => (window as unknown as { patron: { visitorId: string } }).patron.visitorId);
    await page.reload();
    const again = await page.evaluate(() => (window as unknown as { patron: { visitorId: string } }).patron.visitorId);
    await page.close();
    const later = await context.newPage();
    await later.goto(`${shop.url}/products/jam-jar-lantern/`);
    const third = await later.evaluate(() => (window as unknown as { patron: { visitorId: string } }).patron.visitorId);

    expect(again).toBe(visitorId);
    expect(third).toBe(visitorId);
    await bannerState(later);
    const views = shop.query<{ n: number }>(
      "SELECT count(*) AS n FROM events WHERE type = 'page_view' AND visitor_id = ?",
      visitorId,
    );
    expect(views[0]!.n).toBe(3);
    await context.close();
  });
});
