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

/** The collector's decision for this visitor. */
export interface OfferResponse {
  offer: Offer | null;
  /** Identifies the decision, so exposures and conversions can be attributed to it. */
  decisionId: string;
  /** Short reasons for the choice, which name no facts about the visitor. */
  reasons: string[];
}
