import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/**
 * Every accepted event, once. Times are epoch milliseconds and money is integer minor units of
 * `currency`.
 */
export const events = sqliteTable(
  'events',
  {
    siteKey: text('site_key').notNull(),
    id: text('id').notNull(),
    type: text('type').notNull(),
    /** Name of a custom event; null for the built-in types. */
    name: text('name'),
    visitorId: text('visitor_id').notNull(),
    sessionId: text('session_id').notNull(),
    userId: text('user_id'),
    /** The client's timestamp corrected by the offset between the client's and the collector's clocks. */
    occurredAt: integer('occurred_at').notNull(),
    clientTime: integer('client_time').notNull(),
    receivedAt: integer('received_at').notNull(),
    url: text('url'),
    referrer: text('referrer'),
    title: text('title'),
    transactionId: text('transaction_id'),
    currency: text('currency'),
    value: integer('value'),
    /** JSON array of items with prices in minor units. */
    items: text('items'),
    /** JSON object of the remaining type-specific fields (props, traits, tax, shipping, coupon). */
    data: text('data'),
  },
  (table) => [
    primaryKey({ columns: [table.siteKey, table.id] }),
    uniqueIndex('events_purchase_transaction')
      .on(table.siteKey, table.transactionId)
      .where(sql`type = 'purchase'`),
    index('events_visitor_time').on(table.siteKey, table.visitorId, table.occurredAt),
  ],
);

/** Invalid events, kept with the validation issues that rejected them. */
export const quarantine = sqliteTable('quarantine', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  siteKey: text('site_key').notNull(),
  receivedAt: integer('received_at').notNull(),
  /** Position of the event in its batch. */
  batchIndex: integer('batch_index').notNull(),
  /** The event exactly as received, as JSON. */
  payload: text('payload').notNull(),
  /** JSON array of `{ path, message }`. */
  issues: text('issues').notNull(),
});

/** Every offer decision, including the ones that chose no offer, with the reasons given. */
export const decisions = sqliteTable(
  'decisions',
  {
    id: text('id').primaryKey(),
    siteKey: text('site_key').notNull(),
    visitorId: text('visitor_id').notNull(),
    sessionId: text('session_id'),
    placement: text('placement'),
    offerId: text('offer_id'),
    reasons: text('reasons').notNull(),
    decidedAt: integer('decided_at').notNull(),
  },
  (table) => [index('decisions_visitor').on(table.siteKey, table.visitorId, table.decidedAt)],
);
