import { parseArgs } from 'node:util';
import { ConfigError } from './config/load.js';
import { readServeSettings, serveDefaults, serveHelp, SettingsError } from './config/settings.js';
import { openDatabase } from './db/open.js';
import { DatabaseInUseError } from './db/server-lock.js';
import { createLogger } from './logger.js';
import { startCollector } from './server.js';
import { customersCommand, importCommand, segmentsCommand } from './commands/customers.js';
import { ImportError } from './import/orders.js';
import { profilesCommand } from './commands/profiles.js';
import { exportCommand, webhooksCommand } from './commands/follow-up.js';
import { retentionCommand } from './commands/retention.js';
import { backupCommand } from './commands/backup.js';

const help = `Usage: patron <command> [options]

Commands:
  serve              start the collector (patron serve --help lists its options)
  migrate            create the database or apply pending migrations, then exit
  backup FILE        write a consistent copy of the database while the collector runs
  profiles rebuild   rebuild a site's profiles from its stored events
  import orders      import an order export (CSV or CSV.gz) into orders and profiles
  customers top      list the most valuable customers
  customers score    recompute RFM segments and value tiers
  segments           list the RFM segments with their share of revenue
  webhooks           test an endpoint, list deliveries, replay failed ones
  export audience    write a segment, tier or offer audience as CSV or JSON
  retention apply    delete raw rows older than each site's retentionDays
  help               show this text
`;

/** Runs the `patron` command with the given arguments and returns the process exit code. */
export async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  try {
    if (command === 'serve') return await serveCommand(rest);
    if (command === 'migrate') return migrateCommand(rest);
    if (command === 'backup') return await backupCommand(rest);
    if (command === 'profiles') return profilesCommand(rest);
    if (command === 'import') return await importCommand(rest);
    if (command === 'customers') return customersCommand(rest);
    if (command === 'segments') return segmentsCommand(rest);
    if (command === 'webhooks') return await webhooksCommand(rest);
    if (command === 'export') return await exportCommand(rest);
    if (command === 'retention') return await retentionCommand(rest);
    if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
      process.stdout.write(help);
      return 0;
    }
    process.stderr.write(`Unknown command "${command}".\n\n${help}`);
    return 2;
  } catch (error) {
    if (error instanceof SettingsError || error instanceof ConfigError || error instanceof ImportError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    if (error instanceof DatabaseInUseError) {
      process.stderr.write(`patron: ${error.message}\n`);
      return 1;
    }
    const message = knownFailure(error);
    if (message === undefined) throw error;
    process.stderr.write(`patron: ${message}\n`);
    return 1;
  }
}

async function serveCommand(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(serveHelp);
    return 0;
  }
  const settings = readServeSettings(args, process.env);
  const logger = createLogger();
  const collector = await startCollector(settings, logger);

  const lines = [
    `Patron collector listening on ${collector.url}`,
    `  events:   POST ${collector.url}/v1/events`,
    `  offers:   POST ${collector.url}/v1/offer`,
    `  tracker:  ${collector.url}/patron.js`,
    `  health:   ${collector.url}/healthz`,
  ];
  if (settings.publicDir) lines.push(`  site:     ${collector.url}/`);
  process.stderr.write(`${lines.join('\n')}\nPress Ctrl+C to stop.\n`);

  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      logger.info({ signal }, 'stopping');
      collector.close().then(resolve, (error: unknown) => {
        logger.error({ err: error }, 'error while stopping');
        resolve();
      });
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  return 0;
}

/** Explains in one line a failure the user can fix; returns undefined for a fault to show in full. */
function knownFailure(error: unknown): string | undefined {
  const { code, message } = error as { code?: string; message?: string };
  if (code === 'EADDRINUSE') return `${message}: another program uses this port; stop it or choose another with --port`;
  if (code === 'EACCES') return `${message}: permission denied; choose another port, path or user`;
  if (typeof code === 'string' && code.startsWith('SQLITE_')) return `database error (${code}): ${message}; check the --db path and that the file is a Patron database`;
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) return `${message}; run patron help`;
  if (typeof code === 'string' && (code === 'ENOENT' || code === 'EISDIR')) return `${message}; check the path`;
  return undefined;
}

const migrateHelp = `Usage: patron migrate [--db <path>]

Creates the SQLite database, or applies pending migrations to it, then exits.
--db defaults to PATRON_DB, else ${serveDefaults.db}.
`;

function migrateCommand(args: string[]): number {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(migrateHelp);
    return 0;
  }
  const { values } = parseArgs({ args, options: { db: { type: 'string' } }, strict: true });
  const path = values.db ?? (process.env.PATRON_DB || serveDefaults.db);
  openDatabase(path).$client.close();
  process.stdout.write(`Database ${path} is up to date.\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`patron failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
