import { z } from 'zod';
import { clientIdSchema, type OfferGroup } from './events.js';
import { limits } from './limits.js';
import { siteKeySchema } from './batch.js';

/** The body of `POST /v1/offer`. */
export const offerRequestSchema = z.object({
  siteKey: siteKeySchema,
  visitorId: clientIdSchema,
  placement: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1 to 64 letters, digits, "_", ".", ":" or "-"')
    .optional(),
  context: z
    .object({
      sessionId: clientIdSchema.optional(),
      /** Identifies the page view, for caps per page view; a new id on every page and SPA navigation. */
      pageId: clientIdSchema.optional(),
      url: z.string().max(limits.maxUrlLength).optional(),
      referrer: z.string().max(limits.maxUrlLength).optional(),
    })
    .optional(),
  /** A preview token from the admin API that forces one offer and variant, for testing a page. */
  force: z.string().max(512).optional(),
});

export type OfferRequest = z.input<typeof offerRequestSchema>;

/** Offer for a page to show: its own fields plus anything its configuration adds. */
export interface Offer {
  id: string;
  title: string;
  message: string;
  code?: string;
  link?: string;
  [field: string]: unknown;
}

/**
 * The decision the page should record as an `offer_exposure`: an offer shown (treatment), or held
 * back on purpose from its control group or the programme's holdout.
 */
export interface OfferAssignment {
  /** Absent for the holdout, which is decided before any offer. */
  offerId?: string;
  variant?: string;
  group: OfferGroup;
}

/** The collector's response to `POST /v1/offer`. */
export interface OfferResponse {
  /** The offer to show, with the variant chosen; null for no offer, the control group and the holdout. */
  offer: (Offer & { variant: string }) | null;
  /** Null when there is nothing to record: no offer matched, or a forced preview. */
  assignment: OfferAssignment | null;
  /** Identifies this decision, so exposures and conversions can be attributed to it. */
  decisionId: string;
  /** Short reasons for the choice, which name no facts about the visitor. */
  reasons: string[];
  /**
   * A signed pass stating the visitor's admission tier, for the tracker to send with its requests
   * and to keep in the `patron_pass` cookie for the shop's own servers; absent when the site has no
   * secret key.
   */
  pass?: string;
}
