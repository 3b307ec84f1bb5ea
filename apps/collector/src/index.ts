export { createApp, type AppOptions } from './app.js';
export { ConfigError, loadConfig, parseConfig } from './config/load.js';
export type { Config, OfferConfig, SiteConfig } from './config/schema.js';
export { readServeSettings, serveDefaults, type ServeSettings } from './config/settings.js';
export { openDatabase, type Db } from './db/open.js';
export { createLogger } from './logger.js';
export { startCollector, type RunningCollector } from './server.js';
// The lifetime-value models, for benchmarks and scripts.
export { fitBgNbd, fitGammaGamma, summarizePurchases } from '@patron/clv';
