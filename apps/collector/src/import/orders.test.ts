import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { openTestCollector, SITE_KEY } from '../test/harness.js';
import { resolveLayout } from './layouts.js';
import { importOrders } from './orders.js';

const site = { key: SITE_KEY, currency: 'GBP' };
const header = 'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country';
const sample = [
  header,
  '536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,2010-12-01 08:26,2.55,17850,United Kingdom',
  '536365,71053,"WHITE METAL LANTERN, LARGE",6,2010-12-01 08:26,3.39,17850,United Kingdom',
  '536365,71053,"WHITE METAL LANTERN, LARGE",6,2010-12-01 08:26,3.39,17850,United Kingdom',
  '536366,22633,HAND WARMER UNION JACK,6,2010-12-01 08:28,1.85,,United Kingdom',
  '536367,84879,ASSORTED COLOUR BIRD ORNAMENT,32,2010-12-02 08:34,1.69,13047,United Kingdom',
  '536368,22960,JAM MAKING SET WITH JARS,6,2010-12-02 08:34,0.00,13047,United Kingdom',
  'C536379,D,Discount,-1,2010-12-03 09:41,5.00,17850,United Kingdom',
].join('\n');

describe('importing orders', () => {
  it('imports orders, refunds and skips with reasons', async () => {
    const collector = openTestCollector();
    const file = join(collector.dir, 'orders.csv.gz');
    writeFileSync(file, gzipSync(sample));
    const report = await importOrders(collector.db, site, file, resolveLayout('online-retail'));

    expect(report).toEqual({
      lines: 7,
      orders: 2,
      refunds: 1,
      customers: 2,
      skipped: { 'duplicate line': 1, 'no customer id': 1, 'zero or negative price': 1 },
    });
    expect(collector.rows('SELECT id, orders, revenue, refunded FROM profiles ORDER BY id')).toEqual([
      { id: 'u:13047', orders: 1, revenue: 32 * 169, refunded: 0 },
      { id: 'u:17850', orders: 1, revenue: 6 * 255 + 6 * 339 - 500, refunded: 500 },
    ]);
  });

  it('changes nothing on a second import', async () => {
    const collector = openTestCollector();
    const file = join(collector.dir, 'orders.csv');
    writeFileSync(file, sample);
    await importOrders(collector.db, site, file, resolveLayout('online-retail'));
    const before = collector.rows('SELECT * FROM profiles ORDER BY id');
    const again = await importOrders(collector.db, site, file, resolveLayout('online-retail'));

    expect(again.orders).toBe(0);
    expect(again.refunds).toBe(0);
    expect(collector.rows('SELECT * FROM profiles ORDER BY id')).toEqual(before);
  });

  it('fills order fields from the first line and skips stray lines', async () => {
    const collector = openTestCollector();
    const file = join(collector.dir, 'shopify.csv');
    writeFileSync(
      file,
      [
        'Name,Email,Created at,Currency,Lineitem quantity,Lineitem name,Lineitem price,Lineitem sku',
        '#1001,Ada@Example.com,2024-01-15 10:20:30 -0500,GBP,1,Teapot,25.00,TP',
        '#1001,,,,1,Cup,3.00,CU',
        '#1002,bob@example.com,2024-01-16 09:00,GBP,1,Lantern,6.95,LA',
        '#1001,ada@example.com,2024-01-15 10:20,GBP,1,Late line,1.00,LL',
        '#1003,ada@example.com,15/01/2024,GBP,1,Bad date,1.00,BD',
      ].join('\r\n'),
    );
    const report = await importOrders(collector.db, { ...site, currency: 'GBP' }, file, resolveLayout('shopify'));

    expect(report.orders).toBe(2);
    expect(report.skipped).toEqual({
      'order lines not next to each other': 1,
      'invalid date (use YYYY-MM-DD HH:MM, optionally with seconds and a zone)': 1,
    });
    expect(collector.rows('SELECT transaction_id, profile_id, value, placed_at FROM orders ORDER BY transaction_id')).toEqual([
      { transaction_id: '#1001', profile_id: 'u:ada@example.com', value: 2800, placed_at: Date.UTC(2024, 0, 15, 15, 20, 30) },
      { transaction_id: '#1002', profile_id: 'u:bob@example.com', value: 695, placed_at: Date.UTC(2024, 0, 16, 9, 0) },
    ]);
  });

  it('explains a file that is not gzip', async () => {
    const collector = openTestCollector();
    const file = join(collector.dir, 'orders.csv.gz');
    writeFileSync(file, sample);

    await expect(importOrders(collector.db, site, file, resolveLayout('online-retail'))).rejects.toThrow(/is not a gzip file/);
  });

  it('skips a cancellation without an earlier order', async () => {
    const collector = openTestCollector();
    const file = join(collector.dir, 'cancel.csv');
    writeFileSync(file, [header, 'C536379,D,Discount,-1,2010-12-03 09:41,5.00,99999,United Kingdom'].join('\n'));
    const report = await importOrders(collector.db, site, file, resolveLayout('online-retail'));

    expect(report.refunds).toBe(0);
    expect(report.customers).toBe(0);
    expect(report.skipped).toEqual({ 'cancellation without an earlier order': 1 });
  });

  it('names missing columns', async () => {
    const collector = openTestCollector();
    const file = join(collector.dir, 'shopify.csv');
    writeFileSync(file, sample);

    await expect(importOrders(collector.db, site, file, resolveLayout('shopify'))).rejects.toThrow(/no column "Name"/);
  });

  it('maps other columns', () => {
    expect(resolveLayout('shopify', ['customerId=Customer Number']).customerId).toBe('Customer Number');
    expect(() => resolveLayout('shopify', ['colour=Red'])).toThrow(/field=Column/);
  });
});

const datasets = process.env.PATRON_DATASETS;
const onlineRetail = datasets ? join(datasets, 'online-retail', 'online_retail.csv.gz') : '';

describe.skipIf(!datasets || !existsSync(onlineRetail))('importing the UCI Online Retail file', () => {
  it('imports every invoice of known customers', { timeout: 120_000 }, async () => {
    const collector = openTestCollector();
    const report = await importOrders(collector.db, site, onlineRetail, resolveLayout('online-retail'));

    expect(report.lines).toBe(541_909);
    expect(report.skipped['no customer id']).toBe(135_080);
    expect(report.orders).toBe(18_532);
    expect(report.refunds).toBe(3_454);
    expect(report.skipped['cancellation without an earlier order']).toBeGreaterThan(0);
    expect(collector.rows<{ n: number }>('SELECT count(*) AS n FROM profiles WHERE revenue < 0')[0]!.n).toBe(0);
    const top = collector.rows<{ id: string }>("SELECT id FROM profiles ORDER BY revenue DESC LIMIT 2");
    expect(top.map((row) => row.id)).toEqual(['u:14646', 'u:18102']);
  });
});

if (!datasets) console.info('skipping the Online Retail import test: PATRON_DATASETS is not set');
