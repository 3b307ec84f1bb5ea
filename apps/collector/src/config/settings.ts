import { parseArgs } from 'node:util';

/** Settings of `patron serve`: each comes from a flag, else an environment variable, else its default. */
export interface ServeSettings {
  port: number;
  host: string;
  db: string;
  config: string;
  publicDir: string | undefined;
}

export const serveDefaults = {
  port: 8787,
  host: '127.0.0.1',
  db: './data/patron.db',
  config: './patron.config.json',
} as const;

export const serveHelp = `Usage: patron serve [options]

Starts the collector.

Options (each also read from the environment variable shown):
  --port <number>   TCP port to listen on; 0 picks a free port   PATRON_PORT    (default ${serveDefaults.port})
  --host <address>  address to listen on                          PATRON_HOST    (default ${serveDefaults.host})
  --db <path>       SQLite database file, created if missing      PATRON_DB      (default ${serveDefaults.db})
  --config <path>   JSON file with the sites and their offers     PATRON_CONFIG  (default ${serveDefaults.config})
  --public <dir>    folder of static files to serve at /          PATRON_PUBLIC  (default: none)

Environment only:
  PATRON_METRICS_TOKEN   bearer token that GET /metrics requires (default: metrics are open)
  PATRON_LOG_LEVEL       pino log level: fatal, error, warn, info, debug or trace (default info)
  PATRON_RATE_LIMIT_PER_ADDRESS     requests per second one client address may send (default 10, 0 = off)
  PATRON_RATE_LIMIT_ADDRESS_BURST   requests one address may send at once (default 60)
  PATRON_RATE_LIMIT_PER_SITE        requests per second one site may receive (default 1000, 0 = off)
  PATRON_RATE_LIMIT_SITE_BURST      requests one site may receive at once (default 5000)
  PATRON_TRUST_PROXY     number of reverse proxies whose X-Forwarded-For entries to trust (default 0)
  PATRON_ADMISSION       on or off: admission by priority tier under overload (default on)
`;

/** A flag or environment variable with a value that cannot be used. */
export class SettingsError extends Error {
  override name = 'SettingsError';
}

export function readServeSettings(args: string[], env: NodeJS.ProcessEnv): ServeSettings {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        db: { type: 'string' },
        config: { type: 'string' },
        public: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new SettingsError(`${(error as Error).message}\n\n${serveHelp}`);
  }

  // An empty variable counts as unset, so that `PATRON_HOST=` keeps the default host instead of
  // making the server listen on every interface.
  const fromEnv = (name: string) => env[name] || undefined;

  const portText = values.port ?? fromEnv('PATRON_PORT') ?? String(serveDefaults.port);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65_535) {
    const source = values.port !== undefined ? '--port' : 'PATRON_PORT';
    throw new SettingsError(`${source} must be a whole number from 0 to 65535, received "${portText}"`);
  }

  return {
    port,
    host: values.host ?? fromEnv('PATRON_HOST') ?? serveDefaults.host,
    db: values.db ?? fromEnv('PATRON_DB') ?? serveDefaults.db,
    config: values.config ?? fromEnv('PATRON_CONFIG') ?? serveDefaults.config,
    publicDir: values.public ?? fromEnv('PATRON_PUBLIC') ?? undefined,
  };
}
