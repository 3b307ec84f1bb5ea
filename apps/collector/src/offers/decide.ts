import type { Offer, OfferAssignment, OfferGroup } from '@patron/protocol';
import { bucketOf, inShare, pickByWeight } from './buckets.js';
import { evaluate, type Facts } from './conditions.js';
import type { Caps, OfferConfig, OfferSettings, ResolvedVariant } from './schema.js';

/** An offer ready for decisions, from the configuration file or the admin API. */
export interface CatalogOffer {
  config: OfferConfig;
  variants: ResolvedVariant[];
  source: 'file' | 'api';
}

/** How many times a visitor was served an offer (shown or held back as control) in each cap's window. */
export type ServedCounts = Record<keyof Caps, number>;

export const noneServed: ServedCounts = { perPageView: 0, perSession: 0, perDay: 0, perWeek: 0, lifetime: 0 };

export interface KeptAssignment {
  variant: string | null;
  group: OfferGroup;
}

/** The programme's holdout is kept under this offer id. */
export const HOLDOUT = '*';

export interface DecisionInput {
  siteKey: string;
  /** The visitor id whose hash places the visitor in the holdout, control groups and variants. */
  subject: string;
  facts: Facts;
  now: number;
  settings: OfferSettings;
  served: { byOffer: ReadonlyMap<string, ServedCounts>; total: ServedCounts };
  /** Assignments kept from earlier decisions, by offer id, with {@link HOLDOUT} for the holdout. */
  kept: ReadonlyMap<string, KeptAssignment>;
  /** An offer and optional variant to serve whatever the rules say, from a preview token. */
  forced?: { offerId: string; variant?: string | undefined } | undefined;
}

export interface Decision {
  offer: (Offer & { variant: string }) | null;
  /** The assignment the page records as an exposure; null when nothing matched or for a forced preview. */
  assignment: OfferAssignment | null;
  /** The reason given to the page, naming no facts about the visitor. */
  summary: string;
  /** One line per step and offer, with the facts tested, for the shop's eyes only. */
  explanation: string[];
  /** Assignments made by this decision, to keep for the visitor's next decisions. */
  assign: Array<{ offerId: string } & KeptAssignment>;
  forced: boolean;
}

/**
 * Decides what a visitor sees, in this order: a forced preview; the programme's holdout; offers
 * active, in schedule, at the placement and targeting the visitor; caps not reached; the highest
 * priority (ties go to the offer listed first); the offer's control group; the variant.
 */
export function decide(offers: readonly CatalogOffer[], input: DecisionInput): Decision {
  const explanation: string[] = [];
  const assign: Decision['assign'] = [];
  const finish = (decision: Omit<Decision, 'explanation' | 'assign' | 'forced'>, forced = false): Decision => {
    explanation.push(decision.summary);
    return { ...decision, explanation, assign, forced };
  };

  if (input.forced) {
    const forced = offers.find((offer) => offer.config.id === input.forced!.offerId);
    const variant = forced?.variants.find((candidate) => candidate.id === (input.forced!.variant ?? forced.variants[0]!.id));
    if (forced && variant) {
      return finish({ offer: toOffer(forced, variant), assignment: null, summary: `${forced.config.id}/${variant.id}: forced preview, not recorded` }, true);
    }
    explanation.push(`the preview names ${input.forced.offerId}/${input.forced.variant ?? 'its first variant'}, which this site does not have, so the usual rules apply`);
  }

  const holdout = keptOrNew(input, HOLDOUT, () => true, () => {
    const group: OfferGroup = inShare(bucketOf(input.siteKey, 'holdout', input.subject), input.settings.holdoutShare) ? 'holdout' : 'treatment';
    return { variant: null, group };
  }, assign);
  if (holdout.group === 'holdout') {
    return finish({ offer: null, assignment: { group: 'holdout' }, summary: `in the programme's holdout (${percent(input.settings.holdoutShare)} of visitors see no offers)` });
  }

  const globalCap = reachedCap(input.settings.caps, input.served.total);
  if (globalCap) return finish({ offer: null, assignment: null, summary: `no offer: the site's cap across offers is reached (${globalCap})` });

  let winner: CatalogOffer | undefined;
  for (const offer of offers) {
    const { eligible, reason } = checkOffer(offer, input);
    explanation.push(`${offer.config.id}: ${reason}`);
    if (!eligible) continue;
    if (winner === undefined || offer.config.priority > winner.config.priority) winner = offer;
  }
  if (offers.length === 0) explanation.push('the site has no offers');
  if (!winner) return finish({ offer: null, assignment: null, summary: 'no offer matched' });

  const { id } = winner.config;
  const stillOffered = (kept: KeptAssignment) => kept.group === 'control' || winner.variants.some((variant) => variant.id === kept.variant);
  const kept = keptOrNew(input, id, stillOffered, () => {
    if (inShare(bucketOf(input.siteKey, id, 'control', input.subject), winner.config.controlShare)) return { variant: null, group: 'control' };
    return { variant: pickByWeight(winner.variants, bucketOf(input.siteKey, id, 'variant', input.subject)).id, group: 'treatment' };
  }, assign);
  if (kept.group === 'control') {
    return finish({ offer: null, assignment: { offerId: id, group: 'control' }, summary: `${id}: in its control group (${percent(winner.config.controlShare)}), shown nothing` });
  }

  const variant = winner.variants.find((candidate) => candidate.id === kept.variant)!;
  return finish({
    offer: toOffer(winner, variant),
    assignment: { offerId: id, variant: variant.id, group: 'treatment' },
    summary: `${id}: chosen, priority ${winner.config.priority}, variant ${variant.id}`,
  });
}

/**
 * Returns the visitor's kept assignment for the offer, or makes one. A kept variant that the offer
 * no longer has counts as no assignment, so the visitor is placed again.
 */
function keptOrNew(
  input: DecisionInput,
  offerId: string,
  valid: (kept: KeptAssignment) => boolean,
  make: () => KeptAssignment,
  assign: Decision['assign'],
): KeptAssignment {
  const kept = input.kept.get(offerId);
  if (kept && valid(kept)) return kept;
  const made = make();
  assign.push({ offerId, ...made });
  return made;
}

/** Checks whether an offer can be served to this visitor now, with the reason either way. */
function checkOffer(offer: CatalogOffer, input: DecisionInput): { eligible: boolean; reason: string } {
  const { config } = offer;
  const { facts, now } = input;
  const skip = (reason: string) => ({ eligible: false, reason });
  if (config.status !== 'active') return skip(config.status);
  if (config.schedule.start && now < Date.parse(config.schedule.start)) return skip(`scheduled from ${config.schedule.start}`);
  if (config.schedule.end && now >= Date.parse(config.schedule.end)) return skip(`ended at ${config.schedule.end}`);
  if (config.placements.length > 0 && !config.placements.includes(facts.placement ?? '')) {
    return skip(`not shown at placement ${JSON.stringify(facts.placement)}`);
  }
  const lines: string[] = [];
  if (config.when && !evaluate(config.when, facts, (line) => lines.push(line))) return skip(`did not match (${lines.join('; ')})`);
  const matched = config.when ? `matched (${lines.join('; ')})` : 'matched (targets every visitor)';
  const cap = reachedCap(config.caps, input.served.byOffer.get(config.id) ?? noneServed);
  return cap ? skip(`${matched}, but its cap is reached (${cap})`) : { eligible: true, reason: matched };
}

const capNames: Record<keyof Caps, string> = {
  perPageView: 'per page view',
  perSession: 'per session',
  perDay: 'in 24 hours',
  perWeek: 'in 7 days',
  lifetime: 'ever',
};

/** Returns the first cap the counts reach, such as "2 per session", or undefined. */
function reachedCap(caps: Caps, served: ServedCounts): string | undefined {
  for (const window of Object.keys(capNames) as Array<keyof Caps>) {
    const cap = caps[window];
    if (cap !== undefined && served[window] >= cap) return `${cap} ${capNames[window]}`;
  }
  return undefined;
}

const percent = (share: number) => `${+(share * 100).toFixed(2)}%`;

function toOffer(offer: CatalogOffer, variant: ResolvedVariant): Offer & { variant: string } {
  const result: Offer & { variant: string } = { ...variant.payload, id: offer.config.id, variant: variant.id, title: variant.title, message: variant.message };
  if (variant.code !== undefined) result.code = variant.code;
  if (variant.link !== undefined) result.link = variant.link;
  return result;
}
