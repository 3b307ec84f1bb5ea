import { segments, tiers } from '../value/segments.js';

/** The kinds of value a fact holds. Dates are epoch milliseconds; lists are strings. */
export type FactType = 'number' | 'boolean' | 'string' | 'date' | 'list';

interface FactDefinition {
  type: FactType;
  /** Null when the visitor has no such value yet, such as a segment before scoring. */
  nullable: boolean;
  description: string;
  /** The only values a string fact takes, so that a condition naming another one is an error. */
  values?: readonly string[];
  /** The smallest and largest values a number fact takes, so that a comparison outside them is an error. */
  range?: readonly [number, number];
}

function fact<const T extends FactType, const N extends boolean>(type: T, nullable: N, description: string): { type: T; nullable: N; description: string } {
  return { type, nullable, description };
}

/**
 * Every fact an offer's targeting can test, computed per decision from the visitor's profile and
 * the request. Money is in major units of the site's currency (19.99 for £19.99).
 */
export const factCatalog = {
  'visitor.new': fact('boolean', false, 'true on the visitor’s first session'),
  'visitor.returning': fact('boolean', false, 'true when the visitor had a session before the current one'),
  'visitor.sessions': fact('number', false, 'sessions including the current one'),
  'visitor.pageViews': fact('number', false, 'page views recorded so far'),
  'visitor.firstSeenAt': fact('date', true, 'when the visitor was first seen'),
  'cart.quantity': fact('number', false, 'units in the cart, added since the last purchase and not removed'),
  'cart.value': fact('number', false, 'value of those units'),
  'cart.abandoned': fact('boolean', false, 'true when the cart has items and was last changed longer ago than the site’s abandonedCartMinutes'),
  'cart.products': fact('list', false, 'ids of the products in the cart'),
  'cart.categories': fact('list', false, 'categories of the products in the cart'),
  'interests.categories': fact('list', false, 'categories of the products viewed'),
  'interests.topCategory': fact('string', true, 'the category viewed most often'),
  'products.viewed': fact('list', false, 'ids of the products viewed'),
  'products.viewedNotBought': fact('list', false, 'ids of products viewed and never bought'),
  'products.bought': fact('list', false, 'ids of products bought'),
  'orders.count': fact('number', false, 'orders placed'),
  'orders.beforeThisSession': fact('number', false, 'orders placed in sessions before the current one'),
  'orders.revenue': fact('number', false, 'revenue of those orders, less refunds'),
  'orders.lastAt': fact('date', true, 'when the latest order was placed'),
  'orders.daysSinceLast': fact('number', true, 'whole days since the latest order'),
  'customer.segment': { ...fact('string', true, 'RFM segment, such as "champions" or "at risk"'), values: segments.map((segment) => segment.name) },
  'customer.recency': { ...fact('number', true, 'RFM recency score, 1 to 5 (5 = most recent)'), range: [1, 5] },
  'customer.frequency': { ...fact('number', true, 'RFM frequency score, 1 to 5'), range: [1, 5] },
  'customer.monetary': { ...fact('number', true, 'RFM monetary score, 1 to 5'), range: [1, 5] },
  'customer.tier': { ...fact('string', true, 'value tier: "platinum", "gold", "silver" or "bronze"'), values: tiers.map((tier) => tier.name) },
  'visitor.device': { ...fact('string', true, '"mobile", "tablet" or "desktop", from the User-Agent of the offer request'), values: ['mobile', 'tablet', 'desktop'] },
  'customer.probabilityAlive': { ...fact('number', true, 'probability of still being an active customer, 0 to 1, when the site’s value models are usable'), range: [0, 1] },
  'customer.predictedValue': fact('number', true, 'predicted value over the site’s horizon, when the value models are usable'),
  placement: fact('string', true, 'the placement the page requested, such as "banner"'),
  'page.url': fact('string', true, 'the URL of the page requesting the offer'),
  'page.path': fact('string', true, 'the path of that URL, such as "/cart"'),
  'page.referrer': fact('string', true, 'the referrer of that page'),
  'utm.source': fact('string', true, 'utm_source of the page URL'),
  'utm.medium': fact('string', true, 'utm_medium of the page URL'),
  'utm.campaign': fact('string', true, 'utm_campaign of the page URL'),
} as const satisfies Record<string, FactDefinition>;

export type FactName = keyof typeof factCatalog;

type ValueOf<T extends FactType> = T extends 'number' | 'date' ? number : T extends 'boolean' ? boolean : T extends 'list' ? string[] : string;

/** The values of every fact for one decision. */
export type Facts = {
  -readonly [K in FactName]: ValueOf<(typeof factCatalog)[K]['type']> | ((typeof factCatalog)[K]['nullable'] extends true ? null : never);
};

export const factNames = Object.keys(factCatalog) as [FactName, ...FactName[]];
