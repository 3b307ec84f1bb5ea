import { toIssues, type Issue } from '@patron/protocol';
import { and, asc, eq } from 'drizzle-orm';
import type { Config } from '../config/schema.js';
import type { Db, Tx } from '../db/open.js';
import { offers as offerRows } from '../db/schema.js';
import { HttpError } from '../http/errors.js';
import type { CatalogOffer } from './decide.js';
import { offerConfigSchema, resolveVariants, type OfferConfig } from './schema.js';

/**
 * The offers of every site, held in memory for decisions: the configuration file's offers first,
 * in file order, then the admin API's offers in order of creation. Changes through the admin API
 * write SQLite and then this cache, so they apply to the next decision without a restart.
 * The cache is per process, which is safe because only one collector serves a database file at a
 * time (see db/server-lock.ts).
 */
/** Reads the offers created through the admin API for one site, in order of creation. */
export function readStoredOffers(db: Tx, siteKey: string): CatalogOffer[] {
  return db
    .select()
    .from(offerRows)
    .where(eq(offerRows.siteKey, siteKey))
    .orderBy(asc(offerRows.createdAt), asc(offerRows.id))
    .all()
    .map((row): CatalogOffer => {
      const config = offerConfigSchema.parse(JSON.parse(row.definition));
      return { config, variants: resolveVariants(config), source: 'api' };
    });
}

export class OfferCatalog {
  private readonly fileOffers = new Map<string, CatalogOffer[]>();
  private readonly cache = new Map<string, CatalogOffer[]>();

  constructor(
    private readonly db: Db,
    config: Config,
  ) {
    for (const site of config.sites) {
      this.fileOffers.set(site.key, site.offers.map((offer) => ({ config: offer, variants: resolveVariants(offer), source: 'file' })));
    }
  }

  /** Returns the site's offers, active or not, in decision order. */
  list(siteKey: string): CatalogOffer[] {
    let offers = this.cache.get(siteKey);
    if (!offers) {
      offers = [...(this.fileOffers.get(siteKey) ?? []), ...readStoredOffers(this.db, siteKey)];
      this.cache.set(siteKey, offers);
    }
    return offers;
  }

  get(siteKey: string, id: string): CatalogOffer | undefined {
    return this.list(siteKey).find((offer) => offer.config.id === id);
  }

  /** Stores a new offer; throws 409 when the site already has an offer with that id. */
  create(siteKey: string, input: unknown, now = Date.now()): CatalogOffer {
    const config = parseOffer(input);
    if (this.get(siteKey, config.id)) {
      throw new HttpError(409, 'conflict', `Offer "${config.id}" already exists on site "${siteKey}"; change it with PUT …/offers/${config.id}, or choose another id`);
    }
    this.db.insert(offerRows).values({ siteKey, id: config.id, definition: JSON.stringify(input), createdAt: now, updatedAt: now }).run();
    return this.reload(siteKey, config.id);
  }

  /** Replaces an offer created through the admin API with a new definition of the same id. */
  replace(siteKey: string, id: string, input: unknown, now = Date.now()): CatalogOffer {
    this.requireStored(siteKey, id);
    const config = parseOffer(input);
    if (config.id !== id) {
      throw new HttpError(400, 'invalid_body', `The body's id "${config.id}" differs from "${id}" in the URL; offer ids cannot change, so create a new offer instead`);
    }
    this.db
      .update(offerRows)
      .set({ definition: JSON.stringify(input), updatedAt: now })
      .where(and(eq(offerRows.siteKey, siteKey), eq(offerRows.id, id)))
      .run();
    return this.reload(siteKey, id);
  }

  /** Pauses or resumes an offer created through the admin API. */
  setStatus(siteKey: string, id: string, status: OfferConfig['status'], now = Date.now()): CatalogOffer {
    const row = this.requireStored(siteKey, id);
    return this.replace(siteKey, id, { ...(JSON.parse(row.definition) as object), status }, now);
  }

  /** Deletes an offer created through the admin API; its decisions and exposures stay for the reports. */
  delete(siteKey: string, id: string): void {
    this.requireStored(siteKey, id);
    this.db.delete(offerRows).where(and(eq(offerRows.siteKey, siteKey), eq(offerRows.id, id))).run();
    this.cache.delete(siteKey);
  }

  private reload(siteKey: string, id: string): CatalogOffer {
    this.cache.delete(siteKey);
    return this.get(siteKey, id)!;
  }

  private requireStored(siteKey: string, id: string) {
    const row = this.db
      .select()
      .from(offerRows)
      .where(and(eq(offerRows.siteKey, siteKey), eq(offerRows.id, id)))
      .get();
    if (row) return row;
    if (this.fileOffers.get(siteKey)?.some((offer) => offer.config.id === id)) {
      throw new HttpError(409, 'conflict', `Offer "${id}" is defined in the configuration file, so change, pause or delete it there and restart the collector`);
    }
    throw new HttpError(404, 'not_found', `No offer "${id}" on site "${siteKey}"; GET …/offers lists them`);
  }
}

/** Validates an offer from the admin API with the schema of the configuration file. */
function parseOffer(input: unknown): OfferConfig {
  const result = offerConfigSchema.safeParse(input);
  if (result.success) return result.data;
  const issues: Issue[] = toIssues(result.error);
  const offerId = typeof input === 'object' && input !== null && 'id' in input ? `"${String(input.id)}"` : 'without an id';
  throw new HttpError(
    400,
    'invalid_body',
    `Invalid offer ${offerId}: ${issues.map((issue) => `${issue.path || '(offer)'} ${issue.message}`).join('; ')}`,
    issues,
  );
}
