import { createHash } from 'node:crypto';

/** Visitors are spread over this many buckets, so shares are exact to 0.01%. */
export const BUCKETS = 10_000;

/**
 * Returns a bucket from 0 to 9,999 for the parts, the same on every call and every machine. The
 * parts name what is being split (site, offer, purpose) and the visitor, so that the holdout, a
 * control group and a variant split are independent of each other.
 */
export function bucketOf(...parts: string[]): number {
  const digest = createHash('sha256').update(parts.join('\u0000')).digest();
  return digest.readUInt32BE(0) % BUCKETS;
}

/** True when the bucket falls in the first `share` (0 to 1) of the buckets. */
export const inShare = (bucket: number, share: number) => bucket < Math.round(share * BUCKETS);

/** Picks the entry whose share of the total weight covers the bucket. */
export function pickByWeight<T extends { weight: number }>(entries: readonly T[], bucket: number): T {
  const total = entries.reduce((sum, entry) => sum + entry.weight, 0);
  const point = ((bucket + 0.5) / BUCKETS) * total;
  let reached = 0;
  for (const entry of entries) {
    reached += entry.weight;
    if (point < reached) return entry;
  }
  return entries[entries.length - 1]!;
}
