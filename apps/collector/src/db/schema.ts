import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

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
    // The refunds of an order, looked up each time a purchase or refund of it is stored.
    index('events_refund_transaction')
      .on(table.siteKey, table.transactionId)
      .where(sql`type = 'refund'`),
    index('events_visitor_time').on(table.siteKey, table.visitorId, table.occurredAt),
    // Time ranges of a site: the dashboard's periods, its visitor counts and funnel (read from
    // this index alone, without the events' rows), and the retention job.
    index('events_site_time_visitor').on(table.siteKey, table.occurredAt, table.visitorId, table.type),
  ],
);

/** Invalid events, kept with the validation issues that rejected them. */
export const quarantine = sqliteTable(
  'quarantine',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    siteKey: text('site_key').notNull(),
    receivedAt: integer('received_at').notNull(),
    /** Position of the event in its batch. */
    batchIndex: integer('batch_index').notNull(),
    /** The event exactly as received, as JSON. */
    payload: text('payload').notNull(),
    /** JSON array of `{ path, message }`. */
    issues: text('issues').notNull(),
  },
  (table) => [index('quarantine_site_time').on(table.siteKey, table.receivedAt)],
);

/** Every offer decision, including the ones that chose no offer, with the reasons given. */
export const decisions = sqliteTable(
  'decisions',
  {
    id: text('id').primaryKey(),
    siteKey: text('site_key').notNull(),
    visitorId: text('visitor_id').notNull(),
    sessionId: text('session_id'),
    /** The page view the offer was requested on, for caps per page view. */
    pageId: text('page_id'),
    placement: text('placement'),
    /** The offer decided, shown or held back; null when none matched or for the holdout. */
    offerId: text('offer_id'),
    variant: text('variant'),
    /** "treatment", "control" or "holdout"; null when no offer matched. */
    groupName: text('group_name'),
    /** 1 for a forced preview, which caps and reports leave out. */
    forced: integer('forced').notNull().default(0),
    reasons: text('reasons').notNull(),
    decidedAt: integer('decided_at').notNull(),
  },
  (table) => [
    index('decisions_visitor').on(table.siteKey, table.visitorId, table.decidedAt),
    index('decisions_site_time').on(table.siteKey, table.decidedAt),
  ],
);

/**
 * Kept assignments: the variant and group each visitor id received for an offer, so that the
 * visitor sees the same variant on every visit and after identify. `offer_id` "*" is the
 * programme's holdout, with group "holdout" or "treatment".
 */
export const assignments = sqliteTable(
  'assignments',
  {
    siteKey: text('site_key').notNull(),
    visitorId: text('visitor_id').notNull(),
    offerId: text('offer_id').notNull(),
    variant: text('variant'),
    groupName: text('group_name').notNull(),
    assignedAt: integer('assigned_at').notNull(),
  },
  (table) => [primaryKey({ columns: [table.siteKey, table.visitorId, table.offerId] })],
);

/** Offers created through the admin API; offers of the configuration file are not stored here. */
export const offers = sqliteTable(
  'offers',
  {
    siteKey: text('site_key').notNull(),
    id: text('id').notNull(),
    /** JSON of the offer as the admin API received it, validated by the same schema as the file's offers. */
    definition: text('definition').notNull(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (table) => [primaryKey({ columns: [table.siteKey, table.id] })],
);

/** Exposures, clicks and dismissals reported by pages, copied from the events for the offer reports. */
export const offerEvents = sqliteTable(
  'offer_events',
  {
    siteKey: text('site_key').notNull(),
    eventId: text('event_id').notNull(),
    /** "offer_exposure", "offer_click" or "offer_dismiss". */
    type: text('type').notNull(),
    visitorId: text('visitor_id').notNull(),
    sessionId: text('session_id').notNull(),
    decisionId: text('decision_id').notNull(),
    offerId: text('offer_id'),
    variant: text('variant'),
    groupName: text('group_name').notNull(),
    occurredAt: integer('occurred_at').notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.siteKey, table.eventId] }),
    index('offer_events_offer').on(table.siteKey, table.offerId, table.occurredAt),
    index('offer_events_visitor').on(table.siteKey, table.visitorId),
    index('offer_events_site_time').on(table.siteKey, table.occurredAt),
  ],
);

/**
 * One profile per person a site has seen: `u:<userId>` once identified, `v:<visitorId>` until then.
 * Money is integer minor units of the site's currency; times are epoch milliseconds.
 */
export const profiles = sqliteTable(
  'profiles',
  {
    siteKey: text('site_key').notNull(),
    id: text('id').notNull(),
    userId: text('user_id'),
    firstSeen: integer('first_seen').notNull(),
    lastSeen: integer('last_seen').notNull(),
    sessions: integer('sessions').notNull().default(0),
    pageViews: integer('page_views').notNull().default(0),
    productViews: integer('product_views').notNull().default(0),
    orders: integer('orders').notNull().default(0),
    revenue: integer('revenue').notNull().default(0),
    refunded: integer('refunded').notNull().default(0),
    firstOrderAt: integer('first_order_at'),
    lastOrderAt: integer('last_order_at'),
    /** JSON array of cart lines `{ id, name, category, price, quantity }`. */
    cart: text('cart').notNull().default('[]'),
    cartValue: integer('cart_value').notNull().default(0),
    cartUpdatedAt: integer('cart_updated_at'),
    /** JSON `{ categories: { [name]: { count, last } }, products: { [id]: { name, category, count, last } } }`. */
    interests: text('interests').notNull().default('{"categories":{},"products":{}}'),
    /** JSON array of the ids of products bought. */
    bought: text('bought').notNull().default('[]'),
    /** JSON object of the traits sent with identify. */
    traits: text('traits').notNull().default('{}'),
    /** RFM segment name, such as "champions"; null until scored or when the site has too few customers. */
    segment: text('segment'),
    /** JSON `{ r, f, m, computedAt }`: scores from 1 to 5, and when they were computed (epoch milliseconds). */
    rfm: text('rfm'),
    /** Value tier by revenue rank: "platinum" (top 1%), "gold" (top 5%), "silver" (top 20%), "bronze". */
    tier: text('tier'),
    /** BG/NBD probability that the customer is still active; null when the site's model is not usable. */
    probabilityAlive: real('probability_alive'),
    /** Expected orders in the next 30, 90 and 365 days. */
    expectedOrders30: real('expected_orders_30'),
    expectedOrders90: real('expected_orders_90'),
    expectedOrders365: real('expected_orders_365'),
    /** Gamma-Gamma expected value of a future order, minor units of the site's currency. */
    expectedOrderValue: integer('expected_order_value'),
    /** Predicted value over the site's horizon, discounted, minor units of the site's currency. */
    predictedValue: integer('predicted_value'),
  },
  (table) => [
    primaryKey({ columns: [table.siteKey, table.id] }),
    index('profiles_revenue').on(table.siteKey, table.revenue),
    index('profiles_segment').on(table.siteKey, table.segment, table.revenue),
    index('profiles_cart_updated').on(table.siteKey, table.cartUpdatedAt),
  ],
);

/** Links from each visitor id to the profile it belongs to. */
export const identities = sqliteTable(
  'identities',
  {
    siteKey: text('site_key').notNull(),
    visitorId: text('visitor_id').notNull(),
    profileId: text('profile_id').notNull(),
  },
  (table) => [primaryKey({ columns: [table.siteKey, table.visitorId] }), index('identities_profile').on(table.siteKey, table.profileId)],
);

/** Sessions seen, so that a profile counts each visit once. */
export const sessions = sqliteTable(
  'sessions',
  {
    siteKey: text('site_key').notNull(),
    id: text('id').notNull(),
    profileId: text('profile_id').notNull(),
    startedAt: integer('started_at').notNull(),
  },
  (table) => [primaryKey({ columns: [table.siteKey, table.id] }), index('sessions_profile').on(table.siteKey, table.profileId)],
);

/** Orders, one per transaction id and site. `value` and `refunded` are minor units of `currency`. */
export const orders = sqliteTable(
  'orders',
  {
    siteKey: text('site_key').notNull(),
    transactionId: text('transaction_id').notNull(),
    profileId: text('profile_id').notNull(),
    visitorId: text('visitor_id'),
    sessionId: text('session_id'),
    placedAt: integer('placed_at').notNull(),
    currency: text('currency').notNull(),
    value: integer('value').notNull(),
    refunded: integer('refunded').notNull().default(0),
    /** JSON array of items with prices in minor units. */
    items: text('items').notNull().default('[]'),
    /** Origin of the order: "browser", "import" or "server". */
    source: text('source').notNull(),
    /** 1 once the shop's backend confirmed the order with the site's secret key; browsers can forge orders. */
    confirmed: integer('confirmed').notNull().default(0),
    /** Coupon code the purchase carried, which attributes the order to the offer with that code. */
    coupon: text('coupon'),
  },
  (table) => [
    primaryKey({ columns: [table.siteKey, table.transactionId] }),
    index('orders_profile').on(table.siteKey, table.profileId, table.placedAt),
    // Covers the overview's orders and revenue per period.
    index('orders_site_time').on(table.siteKey, table.placedAt, table.currency, table.value, table.refunded, table.profileId),
  ],
);

/** The latest customer-value scoring of each site. */
export const scoringRuns = sqliteTable('scoring_runs', {
  siteKey: text('site_key').primaryKey(),
  computedAt: integer('computed_at').notNull(),
  customers: integer('customers').notNull(),
  /** "scored", or "not_enough_data" when the site has fewer customers than quintiles need. */
  status: text('status').notNull(),
  minCustomers: integer('min_customers').notNull(),
});

/**
 * Refunds that name a customer but no order, such as the cancellation invoices of an imported
 * export. `amount` is minor units of `currency`.
 */
export const refunds = sqliteTable('refunds', {
  siteKey: text('site_key').notNull(),
  id: text('id').notNull(),
  profileId: text('profile_id').notNull(),
  refundedAt: integer('refunded_at').notNull(),
  currency: text('currency').notNull(),
  amount: integer('amount').notNull(),
  source: text('source').notNull(),
}, (table) => [
  primaryKey({ columns: [table.siteKey, table.id] }),
  // A customer's refunds on their page, and the refunds of a period on the overview.
  index('refunds_profile').on(table.siteKey, table.profileId, table.refundedAt),
  index('refunds_site_time').on(table.siteKey, table.refundedAt),
]);

/** The latest fit of the lifetime-value models for each site, usable or not, with the reasons. */
export const valueModels = sqliteTable('value_models', {
  siteKey: text('site_key').primaryKey(),
  fittedAt: integer('fitted_at').notNull(),
  /** End of the order history the models saw: the site's latest order. */
  calibrationEnd: integer('calibration_end').notNull(),
  customers: integer('customers').notNull(),
  repeatCustomers: integer('repeat_customers').notNull(),
  /** "usable", or "unusable" when the data does not fit the models; profiles then rely on RFM. */
  status: text('status').notNull(),
  /** JSON array of plain-language findings about the fit. */
  findings: text('findings').notNull(),
  /** JSON `{ r, alpha, a, b, logLikelihood }`, null without a fit. */
  bgnbd: text('bgnbd'),
  /** JSON `{ p, q, gamma, logLikelihood }`, null without a fit. */
  gammaGamma: text('gamma_gamma'),
});

/**
 * Webhook deliveries, stored before they are attempted so that none is lost to a restart. One row
 * per subscribed endpoint and moment; `dedupe_key` names the moment, so it is enqueued once.
 */
export const webhookDeliveries = sqliteTable(
  'webhook_deliveries',
  {
    id: text('id').primaryKey(),
    siteKey: text('site_key').notNull(),
    webhookId: text('webhook_id').notNull(),
    event: text('event').notNull(),
    dedupeKey: text('dedupe_key').notNull(),
    /** The profile the delivery is about, so that erasing the customer removes it. */
    profileId: text('profile_id'),
    /** JSON body, signed and sent as it is. */
    body: text('body').notNull(),
    /** "pending", "delivered" or "failed". */
    status: text('status').notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: integer('next_attempt_at').notNull(),
    lastError: text('last_error'),
    lastStatus: integer('last_status'),
    createdAt: integer('created_at').notNull(),
    deliveredAt: integer('delivered_at'),
  },
  (table) => [
    uniqueIndex('webhook_deliveries_moment').on(table.siteKey, table.webhookId, table.dedupeKey),
    index('webhook_deliveries_due').on(table.status, table.nextAttemptAt),
    index('webhook_deliveries_profile').on(table.siteKey, table.profileId),
  ],
);

/** The segment, tier and lapsing state last seen per profile, to notice changes between scorings. */
export const webhookMarks = sqliteTable(
  'webhook_marks',
  {
    siteKey: text('site_key').notNull(),
    profileId: text('profile_id').notNull(),
    segment: text('segment'),
    tier: text('tier'),
    /** 1 while the profile's probability of being active is below the site's lapsing threshold. */
    lapsing: integer('lapsing').notNull().default(0),
  },
  (table) => [primaryKey({ columns: [table.siteKey, table.profileId] })],
);

/** Moves of customers between RFM segments, noted at each check after scoring, for the dashboard. */
export const segmentMoves = sqliteTable(
  'segment_moves',
  {
    siteKey: text('site_key').notNull(),
    profileId: text('profile_id').notNull(),
    fromSegment: text('from_segment'),
    toSegment: text('to_segment'),
    movedAt: integer('moved_at').notNull(),
  },
  (table) => [index('segment_moves_site').on(table.siteKey, table.movedAt)],
);
