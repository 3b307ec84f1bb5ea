// The public types of the tracker, written out here so that the published declarations need no
// other package. types.test.ts checks that they match the wire format in @patron/protocol.

/** Properties of a custom event or traits of a user: flat, with primitive values. */
export type Properties = Record<string, string | number | boolean | null>;

/** An offer to show: its own fields plus anything its configuration adds. */
export interface Offer {
  id: string;
  title: string;
  message: string;
  code?: string;
  link?: string;
  [field: string]: unknown;
}

/**
 * The decision the tracker records as an `offer_exposure`: an offer shown (treatment), or held
 * back on purpose from its control group or the programme's holdout.
 */
export interface OfferAssignment {
  /** Absent for the holdout, which is decided before any offer. */
  offerId?: string;
  variant?: string;
  group: 'treatment' | 'control' | 'holdout';
}

/** The collector's response to an offer request. */
export interface OfferResponse {
  /** The offer to show, with the variant chosen. It is null for no offer, the control group and the holdout. */
  offer: (Offer & { variant: string }) | null;
  /** The group to record, or null when there is nothing to record: no offer matched, or a forced preview. */
  assignment: OfferAssignment | null;
  /** Identifies the decision, so exposures and conversions can be attributed to it. */
  decisionId: string;
  /** Short reasons for the choice, which name no facts about the visitor. */
  reasons: string[];
  /** A signed pass stating the visitor's tier, kept in the `patron_pass` cookie; absent when the site has no secret key. */
  pass?: string;
}

/** The offer that `getOffer()` resolves to, with the helpers that record what the visitor does with it. */
export interface ServedOffer extends Offer {
  /** The variant of the offer the collector chose for this visitor. */
  variant: string;
  /** The collector's decision, which the offer's events are attributed to. */
  decisionId: string;
  /**
   * Records an `offer_click`, for the visitor following the offer's link or button. Only the
   * first call per offer records it, and a preview records nothing.
   */
  click(): void;
  /**
   * Records an `offer_dismiss`, for the visitor closing the offer. Only the first call per offer
   * records it, and a preview records nothing.
   */
  dismiss(): void;
}
