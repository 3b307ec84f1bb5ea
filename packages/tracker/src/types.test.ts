import type * as Protocol from '@patron/protocol';
import { describe, expect, it } from 'vitest';
import type { Offer, OfferAssignment, OfferResponse, Properties, ServedOffer } from './types.js';

// Compile-time checks: each assignment fails typechecking if the tracker's public types drift
// from the wire format.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const offerMatches: Same<Offer, Protocol.Offer> = true;
const assignmentMatches: Same<OfferAssignment, Protocol.OfferAssignment> = true;
const responseMatches: Same<OfferResponse, Protocol.OfferResponse> = true;
const propertiesMatch: Same<Properties, Protocol.Properties> = true;
// The offer that getOffer() resolves to keeps every field of the offer in the response.
const servedOfferExtends: ServedOffer extends NonNullable<Protocol.OfferResponse['offer']> ? true : false = true;

describe('public types', () => {
  it('match the protocol', () => {
    expect([offerMatches, assignmentMatches, responseMatches, propertiesMatch, servedOfferExtends]).toEqual([true, true, true, true, true]);
  });
});
