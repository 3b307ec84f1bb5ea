import { z } from 'zod';
import { limits } from './limits.js';

/** Identifier made by the client: letters, digits, `-` and `_`, such as a UUID. */
export const clientIdSchema = z
  .string()
  .min(1)
  .max(limits.maxIdLength)
  .regex(/^[A-Za-z0-9_-]+$/, 'must contain only letters, digits, "-" and "_"');

/** Epoch time in milliseconds. */
export const epochMillisSchema = z.number().int().positive();

/** Decimal money amount: a JSON number (19.99) or a decimal string ("19.99"). */
export const amountSchema = z.union([z.number(), z.string().max(32)], {
  error: 'must be a number such as 19.99 or a decimal string such as "19.99"',
});

export const currencySchema = z.string().regex(/^[A-Z]{3}$/, 'must be a 3-letter ISO 4217 code such as "GBP"');

/**
 * Page text such as a URL or title: anything longer than `max` is cut to `max` characters instead
 * of rejecting the event, because long ad-click URLs and titles are common and the event matters.
 */
const text = (max: number = limits.maxTextLength) => z.string().transform((value) => value.slice(0, max));

/** Flat property bag for custom events and identify traits: values are strings, numbers, booleans or null. */
export const propertiesSchema = z
  .record(
    z.string().max(64),
    z.union([z.string().max(1024), z.number(), z.boolean(), z.null()], {
      error: 'must be a string, number, boolean or null, not an object or array',
    }),
  )
  .refine((value) => Object.keys(value).length <= limits.maxProperties, {
    message: `must have at most ${limits.maxProperties} keys`,
  });

export const itemSchema = z.object({
  id: z.string().min(1).max(128),
  name: z.string().min(1).max(256),
  category: z.string().max(256).optional(),
  price: amountSchema,
  quantity: z.number().int().positive().max(100_000).default(1),
});

const base = {
  id: clientIdSchema,
  visitorId: clientIdSchema,
  sessionId: clientIdSchema,
  timestamp: epochMillisSchema,
  userId: z.string().min(1).max(256).optional(),
  url: text(limits.maxUrlLength).optional(),
  referrer: text(limits.maxUrlLength).optional(),
  title: text().optional(),
};

const items = z.array(itemSchema).max(limits.maxItemsPerEvent);

export const pageViewSchema = z.object({ ...base, type: z.literal('page_view') });

export const viewItemSchema = z.object({
  ...base,
  type: z.literal('view_item'),
  items: items.min(1),
  currency: currencySchema,
  value: amountSchema.optional(),
});

export const addToCartSchema = z.object({
  ...base,
  type: z.literal('add_to_cart'),
  items: items.min(1),
  currency: currencySchema,
  value: amountSchema.optional(),
});

export const removeFromCartSchema = z.object({
  ...base,
  type: z.literal('remove_from_cart'),
  items: items.min(1),
  currency: currencySchema,
  value: amountSchema.optional(),
});

export const beginCheckoutSchema = z.object({
  ...base,
  type: z.literal('begin_checkout'),
  items: items.optional(),
  currency: currencySchema.optional(),
  value: amountSchema.optional(),
});

export const purchaseSchema = z.object({
  ...base,
  type: z.literal('purchase'),
  transactionId: z.string().min(1).max(128),
  value: amountSchema,
  currency: currencySchema,
  items: items.default([]),
  tax: amountSchema.optional(),
  shipping: amountSchema.optional(),
  coupon: z.string().max(128).optional(),
});

/** A refund of an earlier purchase, whole (no value) or partial (`value`). */
export const refundSchema = z.object({
  ...base,
  type: z.literal('refund'),
  transactionId: z.string().min(1).max(128),
  value: amountSchema.optional(),
  currency: currencySchema.optional(),
  items: items.optional(),
});

export const identifySchema = z.object({
  ...base,
  type: z.literal('identify'),
  userId: z.string().min(1).max(256),
  traits: propertiesSchema.optional(),
  /**
   * Hex HMAC-SHA256 of the user id with the site's secret key, computed by the shop's server. Sites
   * that require identity verification accept identify only with it, so a browser cannot claim
   * someone else's profile.
   */
  userHash: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex characters: HMAC-SHA256 of the user id with the site secret key').optional(),
});

export const customEventSchema = z.object({
  ...base,
  type: z.literal('custom'),
  name: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9_.:-]{0,63}$/, 'must start with a letter and contain at most 64 letters, digits, "_", ".", ":" or "-"'),
  props: propertiesSchema.optional(),
});

/** Who received an offer decision: the offer's audience, its control group, or the programme's holdout. */
export const offerGroupSchema = z.enum(['treatment', 'control', 'holdout']);

/** An offer key or variant key, as the collector's configuration names them. */
const offerKeySchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be 1 to 64 lowercase letters, digits or "-"');

const offerFields = {
  decisionId: clientIdSchema,
  /** The offer decided; absent for the holdout, which is decided before any offer. */
  offerId: offerKeySchema.optional(),
  variant: offerKeySchema.optional(),
  group: offerGroupSchema,
};

/** The page received an offer decision: shown (treatment), or deliberately not shown (control, holdout). */
export const offerExposureSchema = z.object({ ...base, type: z.literal('offer_exposure'), ...offerFields });

export const offerClickSchema = z.object({ ...base, type: z.literal('offer_click'), ...offerFields, offerId: offerKeySchema });

export const offerDismissSchema = z.object({ ...base, type: z.literal('offer_dismiss'), ...offerFields, offerId: offerKeySchema });

/** One event as the client sends it. `type` selects the shape. */
export const eventSchema = z.discriminatedUnion('type', [
  pageViewSchema,
  viewItemSchema,
  addToCartSchema,
  removeFromCartSchema,
  beginCheckoutSchema,
  purchaseSchema,
  refundSchema,
  identifySchema,
  customEventSchema,
  offerExposureSchema,
  offerClickSchema,
  offerDismissSchema,
]);

export const eventTypes = eventSchema.options.map((option) => option.shape.type.value);

export type EventInput = z.input<typeof eventSchema>;
export type EventType = EventInput['type'];
export type ItemInput = z.input<typeof itemSchema>;
export type Properties = z.infer<typeof propertiesSchema>;
export type OfferGroup = z.infer<typeof offerGroupSchema>;
/** Fields every event carries, which the tracker fills in itself. */
export type EventBase = z.input<z.ZodObject<typeof base>>;
