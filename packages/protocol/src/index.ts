export * from './limits.js';
export * from './money.js';
export * from './events.js';
export * from './issues.js';
export * from './normalize.js';
export * from './batch.js';
export * from './offer.js';
export * from './errors.js';
