import { existsSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { loadConfig } from '../config/load.js';
import type { SiteConfig } from '../config/schema.js';
import { serveDefaults, SettingsError } from '../config/settings.js';
import { openDatabase, type Db } from '../db/open.js';

/** Options shared by commands that work on the database: --db, --config and --site. */
export interface DataOptions {
  db: Db;
  site: SiteConfig;
  values: Record<string, string | boolean | undefined>;
}

const dataOptions = {
  db: { type: 'string' },
  config: { type: 'string' },
  site: { type: 'string' },
} as const;

/**
 * Parses a data command's arguments and opens its database and site. `--site` may be left out
 * when the configuration has one site.
 */
export function openData(args: string[], extra: NonNullable<ParseArgsConfig['options']> = {}, { readOnly = false } = {}): DataOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args, options: { ...dataOptions, ...extra }, strict: true, allowPositionals: false }) as {
      values: Record<string, string | boolean | undefined>;
    });
  } catch (error) {
    throw new SettingsError((error as Error).message);
  }
  const nonEmpty = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  const config = loadConfig(nonEmpty(values.config) ?? nonEmpty(process.env.PATRON_CONFIG) ?? serveDefaults.config);
  const siteKey = nonEmpty(values.site);
  let site = config.sites.length === 1 ? config.sites[0] : undefined;
  if (siteKey) site = config.sites.find((candidate) => candidate.key === siteKey);
  if (!site) {
    const keys = config.sites.map((candidate) => candidate.key).join(', ');
    throw new SettingsError(
      siteKey ? `Site "${siteKey}" is not in the configuration; its sites are: ${keys}` : `The configuration has several sites (${keys}); choose one with --site`,
    );
  }
  const path = nonEmpty(values.db) ?? nonEmpty(process.env.PATRON_DB) ?? serveDefaults.db;
  // A command that only reads must not leave an empty database behind a mistyped path.
  if (readOnly && !existsSync(path)) throw new SettingsError(`Database ${path} not found; pass the collector's database with --db or PATRON_DB`);
  const db = openDatabase(path);
  return { db, site, values };
}
