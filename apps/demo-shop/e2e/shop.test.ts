import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminSecret,
  browserSkipReason,
  findVisitorId,
  launchChromium,
  newVisitorContext,
  seesOffers,
  serveShop,
  siteKey,
  waitUntil,
  type ServedShop,
} from './harness.js';

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
  const stored = (visitorId: string, type: string) =>
    shop.query<{ n: number }>('SELECT count(*) AS n FROM events WHERE visitor_id = ? AND type = ?', visitorId, type)[0]!.n;

  interface OfferEventRow {
    type: string;
    decision_id: string;
    offer_id: string | null;
    variant: string | null;
    group_name: string;
  }
  /** The visitor's stored offer events, oldest first. */
  const offerEvents = (visitorId: string) =>
    shop.query<OfferEventRow>(
      'SELECT type, decision_id, offer_id, variant, group_name FROM offer_events WHERE site_key = ? AND visitor_id = ? ORDER BY occurred_at, rowid',
      siteKey,
      visitorId,
    );

  /** Sends the page's waiting events now, instead of after the tracker's one-second delay. */
  const flush = (page: Page) => page.evaluate(() => (window as unknown as { patron: { flush(): Promise<void> } }).patron.flush());

  /**
   * Closes the page as a visitor leaving it, with its pagehide handlers run. With runBeforeUnload,
   * page.close() returns before the page is gone, and moving the context's clock while the page
   * was still closing failed with "Target page, context or browser has been closed".
   */
  async function leave(page: Page): Promise<void> {
    const closed = new Promise((resolve) => page.once('close', resolve));
    await page.close({ runBeforeUnload: true });
    await closed;
  }

  /** Visits a product page and puts it in the basket, then leaves, as a visitor who will come back. */
  async function leaveItemInBasket(context: BrowserContext): Promise<void> {
    const page = await context.newPage();
    await page.goto(`${shop.url}/products/enamel-teapot/`);
    await page.click('#add-to-cart');
    await page.locator('#added').waitFor({ state: 'visible' });
    await leave(page);
  }

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
    const visitorId = findVisitorId('shopper', seesOffers);
    const context = await newVisitorContext(browser, shop.url, visitorId);
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
    await leave(first);
    await waitUntil('the add to cart is stored', () => count('add_to_cart') === 1);
    expect(count('view_item')).toBe(1);

    const [added] = shop.query<{ items: string; currency: string }>("SELECT items, currency FROM events WHERE type = 'add_to_cart'");
    expect(added!.currency).toBe('GBP');
    expect(JSON.parse(added!.items)).toEqual([
      { id: 'enamel-teapot', name: 'Enamel teapot', category: 'Tableware', price: 2400, quantity: 2 },
    ]);
    // No offer matched a first visit, so there was nothing to record.
    expect(offerEvents(visitorId)).toEqual([]);

    // Second visit: the basket offer in the variant this visitor is assigned, and its exposure.
    const second = await returnLater(context);
    expect(await bannerState(second)).toEqual({ state: 'shown', offerId: 'basket-waiting' });
    await expect(second.locator('#offer-title').textContent()).resolves.toBe('Your basket is waiting');
    const variant = await second.locator('#offer').getAttribute('data-variant');
    const codes: Record<string, string> = { 'ten-off': 'Code: BASKET10', 'free-delivery': 'Code: BASKETSHIP' };
    await expect(second.locator('#offer-code').textContent()).resolves.toBe(codes[variant!]);
    await waitUntil('the exposure is stored', () => offerEvents(visitorId).length === 1);
    const [exposure] = offerEvents(visitorId);
    expect(exposure).toEqual({ type: 'offer_exposure', decision_id: expect.any(String), offer_id: 'basket-waiting', variant, group_name: 'treatment' });

    // Following the offer's link records a click of that decision.
    await second.click('#offer-link');
    await second.waitForURL('**/cart/');
    await waitUntil('the click is stored', () => offerEvents(visitorId).some((event) => event.type === 'offer_click'));
    expect(offerEvents(visitorId).find((event) => event.type === 'offer_click')).toEqual({ ...exposure, type: 'offer_click' });

    // The basket page shows the offer again, as a new decision, and closing it records a dismissal.
    expect(await bannerState(second)).toEqual({ state: 'shown', offerId: 'basket-waiting' });
    await second.click('#offer-dismiss');
    await expect(second.locator('#offer').isHidden()).resolves.toBe(true);
    await flush(second);
    const cartExposure = offerEvents(visitorId).filter((event) => event.type === 'offer_exposure')[1];
    expect(cartExposure?.decision_id).not.toBe(exposure!.decision_id);
    expect(offerEvents(visitorId).find((event) => event.type === 'offer_dismiss')).toEqual({ ...cartExposure, type: 'offer_dismiss' });

    // Checkout.
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
    await waitUntil('the thank-you exposure is stored', () => offerEvents(visitorId).some((event) => event.offer_id === 'thank-you'));
    expect(offerEvents(visitorId).filter((event) => event.offer_id === 'thank-you')).toEqual([
      { type: 'offer_exposure', decision_id: expect.any(String), offer_id: 'thank-you', variant: 'default', group_name: 'treatment' },
    ]);
    await context.close();
  });

  it('records the control group without showing the offer', async () => {
    const visitorId = findVisitorId('control', (groups) => !groups.holdout && groups.control.includes('basket-waiting'));
    const context = await newVisitorContext(browser, shop.url, visitorId);
    await context.clock.install();
    await leaveItemInBasket(context);
    await waitUntil('the add to cart is stored', () => stored(visitorId, 'add_to_cart') === 1);
    expect(offerEvents(visitorId)).toEqual([]);

    const page = await returnLater(context);
    expect(await bannerState(page)).toEqual({ state: 'empty', offerId: '' });
    await waitUntil('the exposure is stored', () => offerEvents(visitorId).length === 1);
    expect(offerEvents(visitorId)).toEqual([
      { type: 'offer_exposure', decision_id: expect.any(String), offer_id: 'basket-waiting', variant: null, group_name: 'control' },
    ]);
    await context.close();
  });

  it('records the holdout without showing any offer', async () => {
    const visitorId = findVisitorId('holdout', (groups) => groups.holdout);
    const context = await newVisitorContext(browser, shop.url, visitorId);
    const page = await context.newPage();

    // The holdout is decided before any offer, so every offer request records an exposure.
    for (const path of ['/', '/products/enamel-teapot/']) {
      await page.goto(`${shop.url}${path}`);
      expect(await bannerState(page)).toEqual({ state: 'empty', offerId: '' });
      await flush(page);
    }
    const exposures = offerEvents(visitorId);
    expect(exposures).toHaveLength(2);
    for (const exposure of exposures) {
      expect(exposure).toEqual({ type: 'offer_exposure', decision_id: expect.any(String), offer_id: null, variant: null, group_name: 'holdout' });
    }
    expect(exposures[1]!.decision_id).not.toBe(exposures[0]!.decision_id);
    await context.close();
  });

  it('shows a previewed offer and records nothing', async () => {
    const response = await fetch(`${shop.url}/v1/admin/sites/${siteKey}/offers/win-back/preview`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminSecret}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(response.status).toBe(200);
    const { token } = (await response.json()) as { token: string };
    const visitorId = findVisitorId('preview', seesOffers);
    const context = await newVisitorContext(browser, shop.url, visitorId);
    const page = await context.newPage();

    // A first visit matches no offer, so only the preview can show win-back.
    await page.goto(`${shop.url}/?patron_preview=${encodeURIComponent(token)}`);
    expect(await bannerState(page)).toEqual({ state: 'shown', offerId: 'win-back' });
    await page.click('#offer-dismiss');
    await flush(page);

    expect(shop.query<{ n: number }>("SELECT count(*) AS n FROM events WHERE visitor_id = ? AND type = 'page_view'", visitorId)[0]!.n).toBe(1);
    expect(offerEvents(visitorId)).toEqual([]);
    await context.close();
  });

  it('keeps one visitor id across reloads and visits', async () => {
    const context = await newVisitorContext(browser, shop.url);
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
