export { tiers, lowestTier, rankOf, isTier, type Tier } from './tiers.js';
export { createPass, verifyPass, tierOfPass, type PassClaims, type PassCheck } from './pass.js';
export { PriorityLimiter, ShedError, type LimiterOptions, type TierCounts } from './limiter.js';
export { createAdmission, readCookie, type AdmissionOptions } from './admission.js';
export { priority } from './hono.js';
export { withPriority } from './node.js';
