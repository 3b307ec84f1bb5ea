import { z } from 'zod';
import { clientIdSchema } from './events.js';
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
      url: z.string().max(limits.maxUrlLength).optional(),
      referrer: z.string().max(limits.maxUrlLength).optional(),
    })
    .optional(),
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

/** The collector's response to `POST /v1/offer`. */
export interface OfferResponse {
  offer: Offer | null;
  /** Identifies this decision, so exposures and conversions can be attributed to it. */
  decisionId: string;
  /** Short reasons for the choice, which name no facts about the visitor. */
  reasons: string[];
}
