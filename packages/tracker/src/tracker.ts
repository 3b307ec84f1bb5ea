import type { EventInput, OfferRequest } from '@patron/protocol';
import type { Properties, ServedOffer } from './types.js';
import { DEBUG } from './debug.js';
import { createDelivery } from './delivery.js';
import { doc, pageContext, win } from './env.js';
import { eventSkipReason, pageSkipReason } from './guards.js';
import { createIdentity } from './identity.js';
import { randomId } from './ids.js';
import { previewToken, requestOffer } from './offers.js';
import { deleteEvents, saveEvent, savedEvents } from './outbox.js';
import { watchPages } from './pages.js';
import { setPersisting } from './storage.js';
import { PASS_COOKIE } from './transport.js';

export interface TrackerOptions {
  /** Base URL of the collector, such as "https://collector.shop.example". */
  endpoint: string;
  /** The site's key, as configured in the collector. */
  siteKey: string;
  /** ISO 4217 code used when an item or purchase names no currency. Default "GBP". */
  currency?: string;
  /** Send once this many events wait. Default 20. */
  maxBatchSize?: number;
  /** Send this many milliseconds after an event is recorded. Default 1000. */
  flushDelay?: number;
  /** Most unsent events kept in storage; the oldest are dropped first. Default 1000. */
  maxQueueEvents?: number;
  /** Most characters of unsent events kept in storage. Default 500,000. */
  maxQueueChars?: number;
  /** Record a page view now and on every single-page-app navigation. Default false. */
  trackPages?: boolean;
  /** With `trackPages`, count a change of the URL fragment (#/route) as a new page. Default false. */
  hashRouting?: boolean;
  /** "pending" stores and sends nothing until `consent('granted')`. Default "granted". */
  consent?: 'pending' | 'granted';
  /** Track nothing for visitors who send Global Privacy Control or Do Not Track. Default false. */
  honourPrivacySignals?: boolean;
  /** Track known bots and automated browsers too. Default false. */
  trackBots?: boolean;
  /** Domain for the visitor cookie, such as ".shop.example" to share it across subdomains. Default: the page's host. */
  cookieDomain?: string;
  /** Milliseconds that `getOffer()` may take before it resolves to null. Default 300. */
  offerTimeout?: number;
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
  /** Records a page view of the current page, and gives later offer requests a new page id for per-page-view caps. */
  page(): void;
  viewItem(item: Item): void;
  addToCart(item: Item, quantity?: number): void;
  removeFromCart(item: Item, quantity?: number): void;
  beginCheckout(items?: Array<Item & { quantity?: number }>): void;
  purchase(order: PurchaseInput): void;
  /**
   * Links this visitor to a known user; later events carry the user id. `userHash` is the
   * HMAC-SHA256 of the user id with the site's secret key, computed by the shop's server, which
   * sites that require identity verification need.
   */
  identify(userId: string, traits?: Properties, userHash?: string): void;
  /** Records a custom event. */
  track(name: string, props?: Properties): void;
  /**
   * Sends waiting events, then requests the offer this visitor should see. Resolves to the offer,
   * or to null when there is none to show. That is the case when no offer matched, the visitor is
   * in a control group or the holdout, or tracking is not allowed. It is also the case when the
   * request failed or took longer than `timeout` milliseconds (default: the `offerTimeout`
   * option, 300). It never rejects.
   *
   * Whenever the collector assigned the visitor to a group, shown or not, it records an
   * `offer_exposure`. A `patron_preview` query parameter in the page URL is sent as a preview token.
   */
  getOffer(options?: { placement?: string; timeout?: number }): Promise<ServedOffer | null>;
  /** Sends every waiting event now. */
  flush(): Promise<void>;
  /** Forgets the user and starts a new anonymous visitor, for logouts on shared computers. */
  reset(): void;
  /** Gives or refuses consent; "denied" discards what was recorded while consent was pending. */
  consent(state: 'granted' | 'denied'): void;
  readonly visitorId: string;
  readonly sessionId: string;
}

type Omitted = 'id' | 'visitorId' | 'sessionId' | 'timestamp';
type Payload = EventInput extends infer E ? (E extends EventInput ? Omit<E, Omitted> : never) : never;

const trackers: Record<string, Tracker> = {};
let lastTimestamp = 0;

/**
 * Creates the tracker of one site, or returns the one already created for that site key, so that
 * initialising twice never records events twice.
 */
export function createTracker(options: TrackerOptions): Tracker {
  const { siteKey } = options;
  const endpoint = options.endpoint.replace(/\/+$/, '');
  const debug = (message: string, detail?: unknown) => options.debug && console.info(`[patron] ${message}`, detail ?? '');
  if (trackers[siteKey]) {
    DEBUG && debug('createTracker was called again for this site, so it returns the existing tracker (duplicate-init)');
    return trackers[siteKey];
  }

  const currency = options.currency ?? 'GBP';
  // Identifies the page view for the collector's caps per page view. page() renews it.
  let pageId = randomId();
  let consent: TrackerOptions['consent'] | 'denied' = options.consent ?? 'granted';
  const granted = () => consent === 'granted';
  const pageSkip = pageSkipReason(!!options.trackBots, !!options.honourPrivacySignals);
  // Nothing is stored for a page that must not be tracked, nor before consent.
  setPersisting(granted() && !pageSkip);
  const identity = createIdentity(siteKey, options.cookieDomain);
  const delivery = createDelivery(`${endpoint}/v1/events`, siteKey, options.maxBatchSize ?? 20, options.flushDelay ?? 1000, granted, DEBUG ? debug : undefined);

  /** Logs a reason not to record an event and returns it, so that callers can test it. Every such reason passes here. */
  const skip = (reason: string | false | undefined, type: string) => {
    if (DEBUG && reason) debug(`${type} not recorded: ${reason}`);
    return reason;
  };

  const record = (payload: Payload) => {
    if (skip(pageSkip ?? (consent === 'denied' && (DEBUG ? 'no-consent' : '1')), payload.type)) return;
    // Timestamps of one page never repeat, so saved events keep the order they were recorded in.
    const now = (lastTimestamp = Math.max(Date.now(), lastTimestamp + 1));
    const event = {
      ...pageContext(),
      ...payload,
      id: randomId(),
      visitorId: identity.visitorId(),
      sessionId: identity.sessionId(now),
      timestamp: now,
    } as EventInput;
    event.userId ??= identity.getUser();
    // Debug builds check properties here; other builds leave it to the collector, which keeps
    // such an event in quarantine with the reason.
    if (DEBUG && skip(eventSkipReason(event as unknown as Record<string, unknown>), payload.type)) return;
    try {
      saveEvent(siteKey, delivery.tab, event, options.maxQueueEvents ?? 1000, options.maxQueueChars ?? 500_000);
    } catch (error) {
      // JSON.stringify throws on circular structures and BigInt values; the shop's page must not.
      DEBUG && skip(`it cannot be turned into JSON (${(error as Error).message})`, payload.type);
      return;
    }
    DEBUG && debug(`recorded ${event.type}`, event);
    delivery.schedule();
  };

  // Items are sent as given, with their quantity; the collector ignores fields it does not know.
  const lines = (items: Array<Item & { quantity?: number }> = []) => items.map((item) => ({ ...item, quantity: item.quantity ?? 1 }));
  const itemEvent = (type: 'view_item' | 'add_to_cart' | 'remove_from_cart', item: Item, quantity = 1) =>
    record({ type, items: [{ ...item, quantity }], currency: item.currency ?? currency });

  const tracker: Tracker = {
    page() {
      pageId = randomId();
      record({ type: 'page_view' });
    },
    viewItem: (item) => itemEvent('view_item', item),
    addToCart: (item, quantity) => itemEvent('add_to_cart', item, quantity),
    removeFromCart: (item, quantity) => itemEvent('remove_from_cart', item, quantity),
    beginCheckout: (items) => record({ type: 'begin_checkout', items: lines(items), currency }),
    purchase: (order) => record({ ...order, type: 'purchase', currency: order.currency ?? currency, items: lines(order.items) }),
    identify(userId, traits, userHash) {
      identity.setUser(userId);
      record({ type: 'identify', userId, traits, userHash });
    },
    track: (name, props) => record({ type: 'custom', name, props }),
    async getOffer({ placement, timeout = options.offerTimeout ?? 300 } = {}) {
      // A page that must not be tracked, or has no consent, requests nothing.
      if (skip(pageSkip ?? (!granted() && (DEBUG ? 'no-consent' : '1')), 'getOffer')) return null;
      const request: OfferRequest = {
        siteKey,
        visitorId: identity.visitorId(),
        placement,
        context: { sessionId: identity.sessionId(), pageId, ...pageContext() },
        force: previewToken(),
      };
      const response = await requestOffer(`${endpoint}/v1/offer`, JSON.stringify(request), delivery.flush, timeout, DEBUG ? debug : undefined);
      if (!response) return null;
      const { offer, assignment, decisionId, pass } = response;
      // An hour, the collector's default pass lifetime; an expired pass counts as the lowest tier.
      if (pass && doc) doc.cookie = `${PASS_COOKIE}=${pass};path=/;max-age=3600${options.cookieDomain ? `;domain=${options.cookieDomain}` : ''}`;
      // The event types share their fields: a treatment's assignment names the offer and variant shown.
      const recordDecision = (type: 'offer_exposure' | 'offer_click' | 'offer_dismiss') => record({ type, decisionId, ...assignment } as Payload);
      if (assignment) recordDecision('offer_exposure');
      if (!offer) return null;

      // A forced preview has no assignment, so what the visitor does with it is not recorded.
      const recordOnce = (type: 'offer_click' | 'offer_dismiss') => {
        let recorded = !assignment;
        return () => {
          if (!recorded) recordDecision(type);
          recorded = true;
        };
      };
      return { ...offer, decisionId, click: recordOnce('offer_click'), dismiss: recordOnce('offer_dismiss') };
    },
    flush: delivery.flush,
    reset: identity.reset,
    consent(state) {
      consent = state;
      if (state === 'granted') {
        setPersisting(!pageSkip);
        identity.persist();
        delivery.schedule();
      } else {
        setPersisting(false);
        deleteEvents(siteKey, savedEvents(siteKey).map(([, event]) => event.id));
        identity.forget();
      }
    },
    get visitorId() {
      return identity.visitorId();
    },
    get sessionId() {
      return identity.sessionId();
    },
  };
  trackers[siteKey] = tracker;

  if (granted() && !pageSkip) identity.persist();
  // Send when the page is hidden or closed, when the network returns, and what earlier pages left.
  win?.addEventListener('pagehide', delivery.flushOnExit);
  win?.addEventListener('online', () => delivery.flush(true));
  doc?.addEventListener('visibilitychange', () => doc!.visibilityState === 'hidden' && delivery.flushOnExit());
  delivery.schedule();
  if (options.trackPages) watchPages(tracker.page, !!options.hashRouting);
  return tracker;
}
