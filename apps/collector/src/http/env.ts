import type { Logger } from 'pino';
import type { Db } from '../db/open.js';
import type { OfferCatalog } from '../offers/catalog.js';
import type { CommitQueue } from '../ingest/commit-queue.js';
import type { Admission } from '../priority/admission.js';
import type { Metrics } from './metrics.js';
import type { Sites } from './sites.js';

/** Variables every request handler can read from `c.var`. */
export interface AppEnv {
  Variables: {
    db: Db;
    sites: Sites;
    offerCatalog: OfferCatalog;
    commitQueue: CommitQueue;
    admission: Admission;
    logger: Logger;
    metrics: Metrics;
    requestId: string;
  };
}
