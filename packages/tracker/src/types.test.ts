import type * as Protocol from '@patron/protocol';
import { describe, expect, it } from 'vitest';
import type { Offer, OfferResponse, Properties } from './types.js';

// Compile-time checks: each assignment fails typechecking if the tracker's public types drift
// from the wire format.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const offerMatches: Same<Offer, Protocol.Offer> = true;
const responseMatches: Same<OfferResponse, Protocol.OfferResponse> = true;
const propertiesMatch: Same<Properties, Protocol.Properties> = true;

describe('public types', () => {
  it('match the protocol', () => {
    expect([offerMatches, responseMatches, propertiesMatch]).toEqual([true, true, true]);
  });
});
