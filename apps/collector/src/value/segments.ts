/** RFM segments, from the most to the least valuable, with the R and F scores that define each. */
export const segments = [
  { name: 'champions', r: [5], f: [4, 5] },
  { name: 'loyal', r: [3, 4], f: [4, 5] },
  { name: 'potential loyalists', r: [4, 5], f: [2, 3] },
  { name: 'new', r: [5], f: [1] },
  { name: 'promising', r: [4], f: [1] },
  { name: 'need attention', r: [3], f: [3] },
  { name: 'about to sleep', r: [3], f: [1, 2] },
  { name: "can't lose", r: [1, 2], f: [5] },
  { name: 'at risk', r: [1, 2], f: [3, 4] },
  { name: 'hibernating', r: [1, 2], f: [1, 2] },
] as const;

export type SegmentName = (typeof segments)[number]['name'];

/** Names the segment of a customer's recency and frequency scores; the grid covers all 25 pairs. */
export function segmentOf(r: number, f: number): SegmentName {
  const segment = segments.find((candidate) => (candidate.r as readonly number[]).includes(r) && (candidate.f as readonly number[]).includes(f));
  if (!segment) throw new RangeError(`RFM scores must be whole numbers from 1 to 5, received r=${r} f=${f}`);
  return segment.name;
}

/** Value tiers by revenue rank, best first: the share of customers each reaches down to. */
export const tiers = [
  { name: 'platinum', topShare: 0.01 },
  { name: 'gold', topShare: 0.05 },
  { name: 'silver', topShare: 0.2 },
  { name: 'bronze', topShare: 1 },
] as const;

export type TierName = (typeof tiers)[number]['name'];
