import { rebuildProfiles } from '../profiles/rebuild.js';
import { openData } from './options.js';

export const profilesHelp = `Usage: patron profiles rebuild [--site <key>] [--db <path>] [--config <path>]

Deletes the site's profiles and rebuilds them from the stored events. Imported orders are kept.
`;

/** Runs `patron profiles …`; returns the exit code. */
export function profilesCommand(args: string[]): number {
  const [action, ...rest] = args;
  if (rest.includes('--help')) {
    process.stdout.write(profilesHelp);
    return 0;
  }
  if (action !== 'rebuild') {
    process.stderr.write(action === undefined || action === '--help' ? profilesHelp : `Unknown action "${action}".\n\n${profilesHelp}`);
    return action === '--help' ? 0 : 2;
  }
  const { db, site } = openData(rest);
  const started = Date.now();
  const replayed = rebuildProfiles(db, site);
  db.$client.close();
  process.stdout.write(`Rebuilt the profiles of ${site.key} from ${replayed} events in ${Date.now() - started} ms.\n`);
  return 0;
}
