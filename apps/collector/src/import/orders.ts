import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { toMinorUnits, type Item } from '@patron/protocol';
import { parse } from 'csv-parse';
import type { SiteConfig } from '../config/schema.js';
import type { Db } from '../db/open.js';
import { and, eq, sql } from 'drizzle-orm';
import { orders, profiles, refunds } from '../db/schema.js';
import { userProfileId } from '../profiles/identity.js';
import { addOrder, addRefund, emptyProfile, type ProfileRow } from '../profiles/totals.js';
import type { Layout } from './layouts.js';

/** An export that does not match its layout; the message names the problem and the fix. */
export class ImportError extends Error {
  override name = 'ImportError';
}

export interface ImportReport {
  lines: number;
  orders: number;
  refunds: number;
  customers: number;
  /** Lines not imported, by reason. */
  skipped: Record<string, number>;
}

interface Group {
  transactionId: string;
  customerId: string;
  placedAt: number;
  currency: string;
  cancellation: boolean;
  items: Item[];
  /** Lines already in this order, to tell an exact repeat from a second line of one product. */
  seen: Set<string>;
}

// Orders committed per transaction: large enough to be fast, small enough that an interrupted
// import keeps most of its work (a rerun skips what is already there).
const ORDERS_PER_TRANSACTION = 2000;

/**
 * Imports an order export (CSV, plain or gzip) into a site's orders and profiles, one row per
 * order line, streaming so that memory does not grow with the file. Lines of one order must be
 * next to each other, as exports write them. Importing a file twice changes nothing the second
 * time, because orders and refunds are keyed by their transaction id. Each customer becomes the
 * profile of user `<customer id>`.
 */
export async function importOrders(
  db: Db,
  site: Pick<SiteConfig, 'key' | 'currency'>,
  file: string,
  layout: Layout,
  onProgress: (lines: number) => void = () => {},
): Promise<ImportReport> {
  const report: ImportReport = { lines: 0, orders: 0, refunds: 0, customers: 0, skipped: {} };
  const customers = new Set<string>();
  const skip = (reason: string) => (report.skipped[reason] = (report.skipped[reason] ?? 0) + 1);
  let group: Group | undefined;
  /** The first row of the current order, whose order-level fields later rows may leave empty. */
  let groupRecord: Record<string, string> | undefined;
  /** Orders already complete: a later line of one of them is not next to the others. */
  const done = new Set<string>();
  let pending = 0;

  const sqlite = db.$client;
  const cache = new ProfileCache(db, site.key);
  const flush = () => {
    if (!group) return;
    done.add(group.transactionId);
    const saved = group.items.length > 0 ? saveGroup(db, site, cache, group) : 'duplicate';
    if (saved === 'saved') {
      if (group.cancellation) report.refunds++;
      else report.orders++;
      if (!group.cancellation) customers.add(group.customerId);
    } else if (saved !== 'duplicate') {
      report.skipped[saved] = (report.skipped[saved] ?? 0) + group.items.length;
    }
    group = undefined;
    if (++pending >= ORDERS_PER_TRANSACTION) {
      cache.write();
      sqlite.exec('COMMIT; BEGIN');
      pending = 0;
    }
  };

  const input = createReadStream(file);
  let header: string[] | undefined;
  const parser = parse({
    // The header is checked as soon as it is read, so a file with no rows still gets the check.
    columns: (names: string[]) => {
      checkColumns(names, layout, file);
      header = names;
      return names;
    },
    bom: true,
    skip_empty_lines: true,
    relax_column_count: true,
    trim: true,
  });
  input.on('error', (error) => parser.destroy(new ImportError(`Cannot read ${file}: ${error.message}`)));
  if (isGzip(file)) {
    const gunzip = createGunzip();
    gunzip.on('error', (error) => parser.destroy(new ImportError(`${file} ends in .gz but is not a gzip file (${error.message}); rename it or compress it`)));
    input.pipe(gunzip).pipe(parser);
  } else {
    input.pipe(parser);
  }

  sqlite.exec('BEGIN');
  try {
    for await (const record of parser as AsyncIterable<Record<string, string>>) {
      report.lines++;
      if (report.lines % 100_000 === 0) onProgress(report.lines);

      // Exports such as Shopify's leave the order's customer, date and currency empty on its
      // second and later lines.
      const transactionId = record[layout.transactionId] ?? '';
      if (group && groupRecord && transactionId === group.transactionId) {
        for (const column of [layout.customerId, layout.placedAt, layout.currency]) {
          if (column && !record[column]) record[column] = groupRecord[column] ?? '';
        }
      }
      if (transactionId !== group?.transactionId && done.has(transactionId)) {
        skip('order lines not next to each other');
        continue;
      }

      const line = readLine(record, layout, site.currency);
      if (typeof line === 'string') {
        skip(line);
        continue;
      }
      if (!group || group.transactionId !== line.transactionId) {
        flush();
        group = { ...line.order, items: [], seen: new Set() };
        groupRecord = record;
      } else if (line.order.customerId !== group.customerId) {
        skip('line names another customer than its order');
        continue;
      }
      const key = `${line.item.id}|${line.item.quantity}|${line.item.price}`;
      if (group.seen.has(key)) {
        skip('duplicate line');
        continue;
      }
      group.seen.add(key);
      group.items.push(line.item);
    }
    flush();
    cache.write();
    sqlite.exec('COMMIT');
    if (!header) throw new ImportError(`${file} is empty; export the orders as CSV with a header row`);
  } catch (error) {
    if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
    throw error;
  }
  report.customers = customers.size;
  return report;
}

type Line = { order: Omit<Group, 'items' | 'seen'>; transactionId: string; item: Item } | string;

/** Reads one CSV row into an order line, or returns the reason it is skipped. */
function readLine(record: Record<string, string>, layout: Layout, siteCurrency: string): Line {
  const transactionId = record[layout.transactionId] ?? '';
  const rawCustomer = record[layout.customerId] ?? '';
  // Email addresses are matched without regard to case.
  const customerId = rawCustomer.includes('@') ? rawCustomer.toLowerCase() : rawCustomer;
  if (!transactionId) return 'no transaction id';
  if (!customerId) return 'no customer id';

  const cancellation = layout.cancellationPrefix !== '' && transactionId.startsWith(layout.cancellationPrefix);
  const currency = (layout.currency && record[layout.currency]) || siteCurrency;
  const quantity = Number(record[layout.quantity]);
  if (!Number.isInteger(quantity) || quantity === 0) return 'invalid quantity';
  if (!cancellation && quantity < 0) return 'negative quantity outside a cancellation';
  const price = toMinorUnits(record[layout.unitPrice] ?? '', currency);
  if (!price.ok) return 'invalid price';
  if (price.minor <= 0) return 'zero or negative price';
  const placedAt = parseDate(record[layout.placedAt] ?? '');
  if (Number.isNaN(placedAt)) return 'invalid date (use YYYY-MM-DD HH:MM, optionally with seconds and a zone)';

  const productId = (layout.productId && record[layout.productId]) || (record[layout.productName] ?? '');
  return {
    transactionId,
    order: { transactionId, customerId, placedAt, currency, cancellation },
    item: { id: productId, name: (layout.productName && record[layout.productName]) || productId, price: price.minor, quantity: Math.abs(quantity) },
  };
}

/**
 * Profiles changed by the current transaction, kept in memory and written once at its end:
 * customers place many orders, and reading and writing the profile for each would dominate.
 */
class ProfileCache {
  private readonly changed = new Map<string, { profile: ProfileRow; stored: boolean }>();

  constructor(
    private readonly db: Db,
    private readonly siteKey: string,
  ) {}

  /** Returns the profile as this import has changed it, or undefined when it does not exist. */
  peek(id: string): ProfileRow | undefined {
    return this.changed.get(id)?.profile ?? this.db.select().from(profiles).where(and(eq(profiles.siteKey, this.siteKey), eq(profiles.id, id))).get();
  }

  update(id: string, userId: string, at: number, change: (profile: ProfileRow) => void): void {
    let entry = this.changed.get(id);
    if (!entry) {
      const stored = this.db.select().from(profiles).where(and(eq(profiles.siteKey, this.siteKey), eq(profiles.id, id))).get();
      entry = { profile: stored ?? emptyProfile(this.siteKey, id, userId, at), stored: stored !== undefined };
      this.changed.set(id, entry);
    }
    change(entry.profile);
  }

  write(): void {
    for (const [id, { profile, stored }] of this.changed) {
      if (stored) this.db.update(profiles).set(profile).where(and(eq(profiles.siteKey, this.siteKey), eq(profiles.id, id))).run();
      else this.db.insert(profiles).values(profile).run();
    }
    this.changed.clear();
  }
}

// One prepared insert per database, because building the statement for each of many thousand
// orders costs more than running it.
const insertOrders = new WeakMap<Db, ReturnType<typeof prepareOrderInsert>>();
const insertOrder = (db: Db) => {
  let statement = insertOrders.get(db);
  if (!statement) insertOrders.set(db, (statement = prepareOrderInsert(db)));
  return statement;
};

function prepareOrderInsert(db: Db) {
  const value = (name: string) => sql.placeholder(name);
  return db
    .insert(orders)
    .values({
      siteKey: value('siteKey'),
      transactionId: value('transactionId'),
      profileId: value('profileId'),
      placedAt: value('placedAt'),
      currency: value('currency'),
      value: value('value'),
      items: value('items'),
      source: 'import',
      // The shop's own export is as trustworthy as a confirmation from its backend.
      confirmed: 1,
    })
    .onConflictDoNothing()
    .prepare();
}

/**
 * Stores an order or a cancellation and counts it in the customer's profile. Returns "saved",
 * "duplicate" when it was already there, or the reason its lines are skipped.
 */
function saveGroup(db: Db, site: Pick<SiteConfig, 'key' | 'currency'>, cache: ProfileCache, group: Group): string {
  const profileId = userProfileId(group.customerId);
  const value = group.items.reduce((sum, item) => sum + item.price * item.quantity, 0);

  if (group.cancellation) {
    // A cancellation takes back at most what the customer has spent in the file so far. A
    // cancellation of an order placed before the export began has nothing to take back.
    const profile = cache.peek(profileId);
    if (!profile || profile.orders === 0) return 'cancellation without an earlier order';
    const amount = group.currency === site.currency ? Math.min(value, Math.max(profile.revenue, 0)) : value;
    const inserted = db
      .insert(refunds)
      .values({ siteKey: site.key, id: group.transactionId, profileId, refundedAt: group.placedAt, currency: group.currency, amount, source: 'import' })
      .onConflictDoNothing()
      .run().changes;
    if (inserted) cache.update(profileId, group.customerId, group.placedAt, (changed) => addRefund(changed, amount, group.currency, site.currency));
    return inserted ? 'saved' : 'duplicate';
  }

  const inserted = insertOrder(db).run({
    siteKey: site.key,
    transactionId: group.transactionId,
    profileId,
    placedAt: group.placedAt,
    currency: group.currency,
    value,
    items: JSON.stringify(group.items),
  }).changes;
  if (inserted) {
    cache.update(profileId, group.customerId, group.placedAt, (profile) =>
      addOrder(profile, { placedAt: group.placedAt, currency: group.currency, value, items: group.items }, site.currency),
    );
  }
  return inserted ? 'saved' : 'duplicate';
}

function checkColumns(columns: string[], layout: Layout, file: string): void {
  const required = [layout.transactionId, layout.customerId, layout.placedAt, layout.quantity, layout.unitPrice];
  const missing = required.filter((column) => !columns.includes(column));
  if (missing.length > 0) {
    throw new ImportError(
      `${file} has no column ${missing.map((column) => `"${column}"`).join(', ')}; its columns are ${columns.join(', ')}. Choose another --layout or map columns with --map field=Column`,
    );
  }
}

/**
 * Reads "2011-12-09 12:50" or an ISO date, taking a time without a zone as UTC.
 * NOTE: the Online Retail export writes UK local time without a zone, so its summer times come out
 * one hour late. Day-level measures such as recency do not change.
 */
function parseDate(text: string): number {
  const match = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}(?::\d{2})?))? ?(Z|[+-]\d{2}:?\d{2})?$/.exec(text);
  if (!match) return Number.NaN;
  const [, date, time = '00:00', zone = 'Z'] = match;
  const offset = zone === 'Z' ? 'Z' : `${zone.slice(0, 3)}:${zone.slice(-2)}`;
  return Date.parse(`${date}T${time}${offset}`);
}

function isGzip(file: string): boolean {
  return file.endsWith('.gz');
}

