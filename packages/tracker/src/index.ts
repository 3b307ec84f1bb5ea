export { createTracker, type Item, type PurchaseInput, type Tracker, type TrackerOptions } from './tracker.js';
export type { Offer, OfferAssignment, OfferResponse, Properties, ServedOffer } from './types.js';
