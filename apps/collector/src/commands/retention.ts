import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load.js';
import { serveDefaults, SettingsError } from '../config/settings.js';
import { openDatabase } from '../db/open.js';
import { applyRetention, type RetentionResult } from '../retention/apply.js';

export const retentionHelp = `Usage: patron retention apply [--site <key>] [--dry-run] [--db <path>] [--config <path>]

Deletes raw rows older than each site's retentionDays: events other than purchases and refunds,
quarantined events, offer decisions and offer events. Profiles and orders stay. The running
collector does the same at start and every hour; this command does it now.

  --site <key>   only this site (default: every site that sets retentionDays)
  --dry-run      count the rows that would be deleted, and delete nothing
  --db <path>    SQLite database (default: PATRON_DB, else ${serveDefaults.db})
  --config <path> configuration file (default: PATRON_CONFIG, else ${serveDefaults.config})
`;

/** Runs `patron retention apply`; returns the exit code. */
export async function retentionCommand(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  if (action === '--help' || action === '-h' || rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(retentionHelp);
    return 0;
  }
  if (action !== 'apply') {
    process.stderr.write(action === undefined ? retentionHelp : `Unknown action "${action}".\n\n${retentionHelp}`);
    return 2;
  }

  let values: { site?: string; 'dry-run'?: boolean; db?: string; config?: string };
  try {
    ({ values } = parseArgs({
      args: rest,
      options: { site: { type: 'string' }, 'dry-run': { type: 'boolean' }, db: { type: 'string' }, config: { type: 'string' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new SettingsError(`${(error as Error).message}\n\n${retentionHelp}`);
  }
  const config = loadConfig(values.config || process.env.PATRON_CONFIG || serveDefaults.config);
  let sites = config.sites;
  if (values.site) {
    sites = sites.filter((site) => site.key === values.site);
    if (sites.length === 0) {
      throw new SettingsError(`Site "${values.site}" is not in the configuration; its sites are: ${config.sites.map((site) => site.key).join(', ')}`);
    }
  }
  const path = values.db || process.env.PATRON_DB || serveDefaults.db;
  if (!existsSync(path)) throw new SettingsError(`Database ${path} not found; pass the collector's database with --db or PATRON_DB`);

  const db = openDatabase(path);
  try {
    for (const site of sites) {
      const result = await applyRetention(db, site, { dryRun: values['dry-run'] === true });
      process.stdout.write(`${describe(site.key, result, values['dry-run'] === true)}\n`);
    }
  } finally {
    db.$client.close();
  }
  return 0;
}

function describe(siteKey: string, result: RetentionResult | undefined, dryRun: boolean): string {
  if (!result) return `${siteKey}: no retentionDays in the configuration, so nothing is deleted by age.`;
  const { rows } = result;
  const counts = [
    `${rows.events.toLocaleString('en')} events`,
    `${rows.quarantine.toLocaleString('en')} quarantined events`,
    `${rows.decisions.toLocaleString('en')} offer decisions`,
    `${rows.offerEvents.toLocaleString('en')} offer events`,
  ].join(', ');
  const before = `older than ${new Date(result.cutoff).toISOString()} (${result.retentionDays} days)`;
  return dryRun ? `${siteKey}: would delete ${counts} ${before}.` : `${siteKey}: deleted ${counts} ${before} in ${result.elapsedMs} ms.`;
}
