import { win } from './env.js';
import type { Item, Tracker } from './tracker.js';

/** An item as GA4's ecommerce events describe it. */
interface Ga4Item {
  item_id?: string;
  item_name?: string;
  item_category?: string;
  price?: number | string;
  quantity?: number;
  currency?: string;
}

interface Ga4Ecommerce {
  currency?: string;
  value?: number | string;
  transaction_id?: string;
  tax?: number | string;
  shipping?: number | string;
  coupon?: string;
  items?: Ga4Item[];
}

type Layer = unknown[] & { push: (...entries: unknown[]) => number };

const toItem = (item: Ga4Item, currency?: string): Item & { quantity: number } => ({
  id: String(item.item_id ?? item.item_name ?? ''),
  name: String(item.item_name ?? item.item_id ?? ''),
  category: item.item_category,
  price: item.price ?? 0,
  currency: item.currency ?? currency,
  quantity: item.quantity ?? 1,
});

/**
 * Reads one dataLayer entry, in Google Tag Manager's form `{ event, ecommerce }` or gtag's form
 * `['event', name, params]`, and returns the GA4 event name and its ecommerce parameters.
 */
function readEntry(entry: unknown): [string, Ga4Ecommerce] | undefined {
  if (entry && typeof entry === 'object' && 'length' in entry) {
    const [command, name, params] = Array.from(entry as ArrayLike<unknown>);
    return command === 'event' && typeof name === 'string' ? [name, (params ?? {}) as Ga4Ecommerce] : undefined;
  }
  const { event, ecommerce } = (entry ?? {}) as { event?: unknown; ecommerce?: Ga4Ecommerce | null };
  return typeof event === 'string' && ecommerce ? [event, ecommerce] : undefined;
}

/** Records one GA4 ecommerce event with the tracker; other events are ignored. */
function record(tracker: Tracker, name: string, data: Ga4Ecommerce): void {
  const items = (data.items ?? []).map((item) => toItem(item, data.currency));
  if (name === 'view_item') for (const item of items) tracker.viewItem(item);
  if (name === 'add_to_cart') for (const item of items) tracker.addToCart(item, item.quantity);
  if (name === 'remove_from_cart') for (const item of items) tracker.removeFromCart(item, item.quantity);
  if (name === 'begin_checkout') tracker.beginCheckout(items);
  if (name === 'purchase' && data.transaction_id !== undefined && data.value !== undefined) {
    tracker.purchase({
      transactionId: String(data.transaction_id),
      value: data.value,
      currency: data.currency,
      items,
      tax: data.tax,
      shipping: data.shipping,
      coupon: data.coupon,
    });
  }
}

/**
 * Records the GA4 ecommerce events (`view_item`, `add_to_cart`, `remove_from_cart`,
 * `begin_checkout`, `purchase`) that the page pushes to `dataLayer`: those already there, and every
 * later push. Each entry is recorded once, even if the bridge is set up twice.
 */
export function bridgeDataLayer(tracker: Tracker, layer?: unknown[]): void {
  const global = win as unknown as { dataLayer?: unknown[] } | undefined;
  const target = (layer ?? (global ? (global.dataLayer ??= []) : undefined)) as (Layer & { patronBridged?: boolean }) | undefined;
  if (!target || target.patronBridged) return;
  target.patronBridged = true;

  const handle = (entry: unknown) => {
    const read = readEntry(entry);
    if (read) record(tracker, ...read);
  };
  target.forEach(handle);
  const push = target.push.bind(target);
  target.push = (...entries: unknown[]) => {
    const length = push(...entries);
    entries.forEach(handle);
    return length;
  };
}
