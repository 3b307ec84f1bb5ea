import { randomUUID } from 'node:crypto';
import type { Offer, OfferResponse } from '@patron/protocol';
import type { OfferConfig } from '../config/schema.js';
import { evaluate, type Facts } from './conditions.js';

export interface Decision {
  /** Response for the page: the offer and a short reason that shows none of the visitor's facts. */
  response: OfferResponse;
  /** One line per offer with the facts it tested, kept with the decision for the shop's eyes only. */
  explanation: string[];
}

/**
 * Picks the offer for a visitor: among the offers whose placement and conditions match, the one
 * with the highest priority, ties going to the one listed first.
 */
export function decideOffer(offers: OfferConfig[], facts: Facts): Decision {
  const reasons: string[] = [];
  let winner: OfferConfig | undefined;

  for (const offer of offers) {
    if (offer.placements.length > 0 && !offer.placements.includes(facts.placement ?? '')) {
      reasons.push(`${offer.id}: not shown at placement ${JSON.stringify(facts.placement)}`);
      continue;
    }
    const lines: string[] = [];
    const matched = evaluate(offer.when, facts, (line) => lines.push(line));
    reasons.push(`${offer.id}: ${matched ? 'matched' : 'did not match'} (${lines.join('; ')})`);
    if (matched && (winner === undefined || offer.priority > winner.priority)) winner = offer;
  }

  if (offers.length === 0) reasons.push('the site has no offers configured');
  const summary = winner ? `${winner.id}: chosen, priority ${winner.priority}` : 'no offer matched';
  reasons.push(summary);
  return { response: { offer: winner ? toOffer(winner) : null, decisionId: randomUUID(), reasons: [summary] }, explanation: reasons };
}

function toOffer(config: OfferConfig): Offer {
  const offer: Offer = { ...config.payload, id: config.id, title: config.title, message: config.message };
  if (config.code !== undefined) offer.code = config.code;
  if (config.link !== undefined) offer.link = config.link;
  return offer;
}
