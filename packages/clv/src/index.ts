export * from './bgnbd.js';
export * from './gamma-gamma.js';
export * from './summary.js';
