/** Admission tiers from the most to the least valuable customers; visitors Patron does not know get the last. */
export const tiers = ['platinum', 'gold', 'silver', 'bronze'] as const;

export type Tier = (typeof tiers)[number];

/** The tier of anyone without a valid pass. */
export const lowestTier: Tier = 'bronze';

/** 0 for the top tier, up to 3 for the lowest. */
export const rankOf = (tier: Tier) => tiers.indexOf(tier);

export const isTier = (value: string): value is Tier => (tiers as readonly string[]).includes(value);
