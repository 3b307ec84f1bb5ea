import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminSecret, browserSkipReason, findVisitorId, launchChromium, newVisitorContext, seesOffers, serveShop, siteKey, waitUntil, type ServedShop } from './harness.js';

const shopRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const collectorBin = join(shopRoot, '..', 'collector', 'bin', 'patron.js');
const configPath = join(shopRoot, 'patron.config.json');
/** Screenshots of each page, for a person to look at after the run. */
const screenshots = join(shopRoot, 'test-output', 'dashboard');

const skip = browserSkipReason();
const datasets = process.env.PATRON_DATASETS;
const onlineRetail = datasets ? join(datasets, 'online-retail', 'online_retail.csv.gz') : '';
const missingData = !datasets ? 'PATRON_DATASETS is not set' : existsSync(onlineRetail) ? undefined : `${onlineRetail} does not exist`;
if (missingData) console.info(`skipping the dashboard browser test: ${missingData}`);

const money = new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'GBP' });
const count = new Intl.NumberFormat('en-GB');
const pounds = (minor: number) => money.format(minor / 100);

interface CustomersResponse {
  total: number;
  items: Array<{ id: string; orders: number; revenue: number; segment: string | null }>;
}
interface SegmentsResponse {
  segments: Array<{ segment: string; customers: number; revenue: number }>;
}
interface ReportResponse {
  offers: Array<{ id: string; variants: Array<{ id: string; visitors: number; exposures: number }>; control: { visitors: number; exposures: number } | null }>;
}

describe.skipIf(skip !== undefined || missingData !== undefined)('dashboard in Chromium', () => {
  let shop: ServedShop;
  let browser: Browser;
  let owner: BrowserContext;
  let page: Page;

  const admin = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${shop.url}/v1/admin/sites/${siteKey}${path}`, { headers: { authorization: `Bearer ${adminSecret}` } });
    expect(response.status, `GET ${path}`).toBe(200);
    return (await response.json()) as T;
  };
  const metric = (name: string) => page.locator(`[data-metric="${name}"]`).evaluate((element) => element.firstChild?.textContent?.trim() ?? '');
  const rows = (table: string) =>
    page.locator(`[data-table="${table}"] tbody tr`).evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll('th, td')).map((cell) => cell.textContent?.trim() ?? '')));
  const rowIds = (table: string) => page.locator(`[data-table="${table}"] tbody tr`).evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-id')));
  const screenshot = (name: string) => page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
  /** Labels of the tables on the page that would have to scroll sideways to show all their columns. */
  const sidewaysTables = () =>
    page.locator('.table-scroll').evaluateAll((boxes) => boxes.filter((box) => box.scrollWidth > box.clientWidth + 1).map((box) => box.getAttribute('aria-label')));
  /** Whether each column heading of a table is shown, and shown within the window's width. */
  const headingsInView = (table: string) =>
    page.locator(`[data-table="${table}"] thead th`).evaluateAll((cells) =>
      Object.fromEntries(cells.map((cell) => {
        const box = cell.getBoundingClientRect();
        return [cell.textContent?.trim() ?? '', box.width > 0 && box.left >= 0 && box.right <= window.innerWidth];
      })),
    );

  beforeAll(async () => {
    mkdirSync(screenshots, { recursive: true });
    // The folder ignores itself, so screenshots never show up as changes to commit.
    writeFileSync(join(shopRoot, 'test-output', '.gitignore'), '*\n');
    shop = await serveShop();
    // The import writes the running collector's database, as an operator would on a live shop.
    await promisify(execFile)(process.execPath, [collectorBin, 'import', 'orders', onlineRetail, '--db', shop.dbPath, '--config', configPath], {
      env: { ...process.env, PATRON_LOG_LEVEL: 'warn' },
    });
    browser = await launchChromium();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await shop?.stop();
  });

  it('shows a visit and the imported history', { timeout: 180_000 }, async () => {
    // A shopper leaves something in the basket, comes back to the basket offer, and buys.
    const visitorId = findVisitorId('dashboard', seesOffers);
    const visitor = await newVisitorContext(browser, shop.url, visitorId);
    await visitor.clock.install();
    const first = await visitor.newPage();
    await first.goto(`${shop.url}/products/enamel-teapot/`);
    await first.click('#add-to-cart');
    await first.locator('#added').waitFor({ state: 'visible' });
    await first.close({ runBeforeUnload: true });
    await waitUntil('the add to cart is stored', () => shop.query<{ n: number }>("SELECT count(*) AS n FROM events WHERE type = 'add_to_cart'")[0]!.n === 1);
    await visitor.clock.fastForward('31:00');
    const second = await visitor.newPage();
    await second.goto(`${shop.url}/cart/`);
    await second.locator('#offer[data-state="shown"]').waitFor({ state: 'attached' });
    await second.click('#checkout');
    await second.fill('#name', 'Ada Lovelace');
    await second.fill('#email', 'ada@example.com');
    await second.click('#place-order');
    await second.waitForURL('**/order/?id=*');
    await waitUntil('the purchase is stored', () => shop.query<{ n: number }>("SELECT count(*) AS n FROM orders WHERE source = 'browser'")[0]!.n === 1);
    await visitor.close();

    // The shop owner signs in through the form.
    owner = await browser.newContext({ locale: 'en-GB', viewport: { width: 1280, height: 900 } });
    page = await owner.newPage();
    await page.goto(`${shop.url}/dashboard`);
    await expect(page.locator('h1').textContent()).resolves.toBe('Sign in to the Patron dashboard');
    await screenshot('login');
    await page.getByLabel('Site key').fill(siteKey);
    await page.getByLabel('Secret key').fill(adminSecret);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${shop.url}/dashboard`);

    // Overview: the all-time figures match the admin API and the profiles.
    const customers = await admin<CustomersResponse>('/customers?limit=10');
    const revenue = shop.query<{ revenue: number }>('SELECT sum(revenue) AS revenue FROM profiles WHERE orders > 0')[0]!.revenue;
    expect(await metric('customers')).toBe(count.format(customers.total));
    expect(await metric('revenue')).toBe(pounds(revenue));
    expect(await metric('period-orders')).toBe('1');
    expect(await metric('period-orders-change')).toBe('no orders in the previous 30 days');
    expect((await rows('funnel')).map((row) => [row[0], row[2]])).toEqual([
      ['Viewed a product', '1'],
      ['Added to basket', '1'],
      ['Began checkout', '1'],
      ['Purchased', '1'],
    ]);
    await screenshot('overview');
    await page.getByRole('link', { name: 'All time' }).click();
    await page.waitForURL('**/dashboard?period=all');
    expect(await metric('period-customers')).toBe(count.format(customers.total));
    await screenshot('overview-all-time');

    // Customers: the same count and order as the admin API.
    await page.getByRole('navigation', { name: 'Dashboard pages' }).getByRole('link', { name: 'Customers' }).click();
    expect(await metric('customer-count')).toBe(`${count.format(customers.total)} customers.`);
    const listed = await rows('customers');
    expect((await rowIds('customers')).slice(0, 10)).toEqual(customers.items.map((item) => item.id));
    // Imported customers have no traits, so they go by their user id, the export's customer id.
    expect(listed.slice(0, 10).map((row) => [row[1], row[5]])).toEqual(customers.items.map((item) => [item.id.slice('u:'.length), pounds(item.revenue)]));
    await screenshot('customers');
    await page.goto(`${shop.url}/dashboard/customers?q=${encodeURIComponent('ADA@example.com')}`);
    expect((await rows('customers')).map((row) => row[0])).toEqual(['ada@example.com']);

    // One customer: the best one's orders, and the refunds that match none of them.
    const best = customers.items[0]!;
    await page.goto(`${shop.url}/dashboard/customers`);
    await page.locator(`[data-table="customers"] tr[data-id="${best.id}"] a`).click();
    expect(await metric('customer-orders')).toBe(count.format(best.orders));
    expect(await metric('customer-revenue')).toBe(pounds(best.revenue));
    const refunds = shop.query<{ n: number }>('SELECT count(*) AS n FROM refunds WHERE profile_id = ?', best.id)[0]!.n;
    const orderRows = await page.locator('[data-table="orders"] tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-kind')));
    expect(orderRows.filter((kind) => kind === 'refund')).toHaveLength(Math.min(refunds, 100));
    await screenshot('customer');

    // Segments: customers and revenue per segment as the admin API counts them.
    const segments = await admin<SegmentsResponse>('/segments');
    await page.getByRole('link', { name: 'Segments' }).click();
    expect((await rows('segments')).map((row) => [row[0], row[2], row[3]])).toEqual(
      segments.segments.map((segment) => [segment.segment, count.format(segment.customers), pounds(segment.revenue)]),
    );
    await screenshot('segments');

    // Offers: the basket offer's exposures as the report counts them.
    const report = await admin<ReportResponse>('/offers/report');
    const basket = report.offers.find((offer) => offer.id === 'basket-waiting')!;
    await page.getByRole('link', { name: 'Offers' }).click();
    const groups = await rows('offer-basket-waiting');
    for (const variant of basket.variants) {
      expect(groups.find((row) => row[0] === `Variant ${variant.id}`)?.slice(1, 3)).toEqual([String(variant.visitors), String(variant.exposures)]);
    }
    expect(basket.variants.reduce((sum, variant) => sum + variant.exposures, 0)).toBeGreaterThan(0);
    await screenshot('offers');

    // Health: the shopper's events arrived in the last hour.
    const stored = shop.query<{ n: number }>('SELECT count(*) AS n FROM events')[0]!.n;
    await page.getByRole('link', { name: 'Health' }).click();
    expect(await metric('events-last-hour')).toBe(count.format(stored));
    await screenshot('health');

    // A phone 375 pixels wide: the key columns fit without scrolling sideways, the others are left out.
    await page.setViewportSize({ width: 375, height: 812 });
    await page.goto(`${shop.url}/dashboard/customers`);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    expect(await sidewaysTables()).toEqual([]);
    expect(await headingsInView('customers')).toMatchObject({ Customer: true, Segment: true, Revenue: true, 'Last order': true, Tier: false, Orders: false });
    await screenshot('customers-phone');
    await page.goto(`${shop.url}/dashboard/customers/${encodeURIComponent(best.id)}`);
    expect(await sidewaysTables()).toEqual([]);
    expect(await headingsInView('orders')).toMatchObject({ Placed: true, Order: true, Refunded: true, Net: true, Value: false, Items: false });
    await screenshot('customer-phone');
    for (const [name, path] of [['overview', ''], ['offers', '/offers'], ['health', '/health']] as const) {
      await page.goto(`${shop.url}/dashboard${path}`);
      expect(await page.evaluate(() => document.documentElement.scrollWidth), name).toBeLessThanOrEqual(375);
      expect(await sidewaysTables(), name).toEqual([]);
      await screenshot(`${name}-phone`);
    }
    await page.goto(`${shop.url}/dashboard/segments`);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await screenshot('segments-phone');

    // Signing out ends the session.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/dashboard/login?signed-out');
    await page.goto(`${shop.url}/dashboard/segments`);
    await expect(page.locator('h1').textContent()).resolves.toBe('Sign in to the Patron dashboard');
    await owner.close();
  });
});
