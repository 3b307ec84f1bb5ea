export { createTracker, type Item, type PurchaseInput, type Tracker, type TrackerOptions } from './tracker.js';
export type { Offer, OfferResponse, Properties } from './types.js';
