import type { EventInput, ItemInput, OfferResponse, Properties } from '@patron/protocol';
import { doc, pageContext, win } from './env.js';
import { createIdentity } from './identity.js';
import { uuid } from './ids.js';
import { createQueue } from './queue.js';
import { post } from './transport.js';

export interface TrackerOptions {
  /** Base URL of the collector, such as "https://collector.shop.example". */
  endpoint: string;
  /** The site's key, as configured in the collector. */
  siteKey: string;
  /** ISO 4217 code used when an item or purchase names no currency. Default "GBP". */
  currency?: string;
  /** Send once this many events wait. Default 20. */
  maxBatchSize?: number;
  /** Send this many milliseconds after the first event waits. Default 1000. */
  flushDelay?: number;
  /** Log what the tracker does to the console, prefixed with "[patron]". Default false. */
  debug?: boolean;
}

/** A product as the shop describes it. `price` is a decimal amount (19.99 or "19.99"). */
export interface Item {
  id: string;
  name: string;
  category?: string;
  price: number | string;
  currency?: string;
}

export interface PurchaseInput {
  transactionId: string;
  value: number | string;
  currency?: string;
  items?: Array<Item & { quantity?: number }>;
  tax?: number | string;
  shipping?: number | string;
  coupon?: string;
}

export interface Tracker {
  /** Records a page view of the current page. */
  page(): void;
  viewItem(item: Item): void;
  addToCart(item: Item, quantity?: number): void;
  removeFromCart(item: Item, quantity?: number): void;
  beginCheckout(items?: Array<Item & { quantity?: number }>): void;
  purchase(order: PurchaseInput): void;
  /** Links this visitor to a known user; later events carry the user id. */
  identify(userId: string, traits?: Properties): void;
  /** Records a custom event. */
  track(name: string, props?: Properties): void;
  /** Sends waiting events, then asks the collector which offer this visitor should see. */
  getOffer(options?: { placement?: string }): Promise<OfferResponse>;
  /** Sends every waiting event now. */
  flush(): Promise<void>;
  /** Forgets the user and starts a new anonymous visitor, for logouts on shared computers. */
  reset(): void;
  readonly visitorId: string;
  readonly sessionId: string;
}

type Omitted = 'id' | 'visitorId' | 'sessionId' | 'timestamp';
type Payload = EventInput extends infer E ? (E extends EventInput ? Omit<E, Omitted> : never) : never;

/** Creates a tracker that batches events for one site and delivers them to the collector. */
export function createTracker(options: TrackerOptions): Tracker {
  const endpoint = options.endpoint.replace(/\/+$/, '');
  const currency = options.currency ?? 'GBP';
  const identity = createIdentity(options.siteKey);
  const debug = (message: string, detail?: unknown) => {
    if (options.debug) console.info(`[patron] ${message}`, detail ?? '');
  };
  const queue = createQueue({
    url: `${endpoint}/v1/events`,
    siteKey: options.siteKey,
    maxBatchSize: options.maxBatchSize ?? 20,
    flushDelay: options.flushDelay ?? 1000,
    debug,
  });

  const record = (payload: Payload) => {
    const now = Date.now();
    const event = {
      ...pageContext(),
      ...payload,
      id: uuid(),
      visitorId: identity.visitorId(),
      sessionId: identity.sessionId(now),
      timestamp: now,
    } as EventInput;
    const userId = identity.userId();
    if (userId && !event.userId) event.userId = userId;
    debug(`recorded ${event.type}`, event);
    queue.push(event);
  };

  const line = (item: Item, quantity = 1) => ({
    id: item.id,
    name: item.name,
    category: item.category,
    price: item.price,
    quantity,
  });

  const cartEvent = (type: 'add_to_cart' | 'remove_from_cart', item: Item, quantity = 1) =>
    record({ type, items: [line(item, quantity)], currency: item.currency ?? currency });

  // Deliver what is waiting when the page is hidden or closed; later pages resume from storage.
  const onHide = () => {
    if (doc?.visibilityState !== 'visible') void queue.flush(true);
  };
  win?.addEventListener('pagehide', () => void queue.flush(true));
  doc?.addEventListener('visibilitychange', onHide);

  return {
    page: () => record({ type: 'page_view' }),
    viewItem: (item) => record({ type: 'view_item', items: [line(item)], currency: item.currency ?? currency }),
    addToCart: (item, quantity) => cartEvent('add_to_cart', item, quantity),
    removeFromCart: (item, quantity) => cartEvent('remove_from_cart', item, quantity),
    beginCheckout: (items = []) =>
      record({ type: 'begin_checkout', items: items.map((item) => line(item, item.quantity)), currency }),
    purchase: (order) =>
      record({
        ...order,
        type: 'purchase',
        currency: order.currency ?? currency,
        items: (order.items ?? []).map((item) => line(item, item.quantity)),
      }),
    identify(userId, traits) {
      identity.setUserId(userId);
      record({ type: 'identify', userId, traits });
    },
    track: (name, props) => record({ type: 'custom', name, props }),
    async getOffer({ placement } = {}) {
      await queue.flush();
      try {
        const response = await post(`${endpoint}/v1/offer`, {
          siteKey: options.siteKey,
          visitorId: identity.visitorId(),
          placement,
          context: { sessionId: identity.sessionId(), ...pageContext() },
        });
        if (response.ok) return (await response.json()) as OfferResponse;
        debug(`offer request failed with ${response.status}`, await response.text());
      } catch (error) {
        debug('offer request failed', error);
      }
      return { offer: null, decisionId: '', reasons: ['the collector could not be reached'] };
    },
    flush: () => queue.flush(),
    reset: () => identity.reset(),
    get visitorId() {
      return identity.visitorId();
    },
    get sessionId() {
      return identity.sessionId();
    },
  };
}
