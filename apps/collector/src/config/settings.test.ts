import { describe, expect, it } from 'vitest';
import { readServeSettings, serveDefaults, SettingsError, type ServeSettings } from './settings.js';

const environment = {
  PATRON_PORT: '9000',
  PATRON_HOST: '0.0.0.0',
  PATRON_DB: '/var/lib/patron/env.db',
  PATRON_CONFIG: '/etc/patron/env.json',
  PATRON_PUBLIC: '/srv/env-public',
};

const flags = ['--port', '9100', '--host', '::1', '--db', 'flag.db', '--config', 'flag.json', '--public', 'flag-public'];

/** Returns the SettingsError that reading the settings throws, or fails the test. */
function settingsError(args: string[], env: NodeJS.ProcessEnv = {}): SettingsError {
  try {
    readServeSettings(args, env);
  } catch (error) {
    if (error instanceof SettingsError) return error;
    throw error;
  }
  throw new Error('expected a SettingsError, but the settings were accepted');
}

describe('readServeSettings', () => {
  it('uses defaults without flags or env', () => {
    const settings = readServeSettings([], {});

    expect(settings).toEqual<ServeSettings>({
      port: serveDefaults.port,
      host: serveDefaults.host,
      db: serveDefaults.db,
      config: serveDefaults.config,
      publicDir: undefined,
    });
  });

  it('prefers the environment to the defaults', () => {
    const settings = readServeSettings([], environment);

    expect(settings.port).toBe(9000);
    expect(settings.host).toBe('0.0.0.0');
    expect(settings.db).toBe('/var/lib/patron/env.db');
    expect(settings.config).toBe('/etc/patron/env.json');
    expect(settings.publicDir).toBe('/srv/env-public');
  });

  it('prefers flags to the environment', () => {
    const settings = readServeSettings(flags, environment);

    expect(settings.port).toBe(9100);
    expect(settings.host).toBe('::1');
    expect(settings.db).toBe('flag.db');
    expect(settings.config).toBe('flag.json');
    expect(settings.publicDir).toBe('flag-public');
  });

  it('treats empty environment variables as unset', () => {
    const empty = { PATRON_PORT: '', PATRON_HOST: '', PATRON_DB: '', PATRON_CONFIG: '', PATRON_PUBLIC: '' };

    const settings = readServeSettings([], empty);

    expect(settings.port).toBe(serveDefaults.port);
    expect(settings.host).toBe(serveDefaults.host);
    expect(settings.db).toBe(serveDefaults.db);
    expect(settings.config).toBe(serveDefaults.config);
    expect(settings.publicDir).toBeUndefined();
  });

  it('reads each setting independently', () => {
    const settings = readServeSettings(['--db', 'flag.db'], { PATRON_PORT: '9000' });

    expect(settings.db).toBe('flag.db');
    expect(settings.port).toBe(9000);
    expect(settings.host).toBe(serveDefaults.host);
  });

  it('accepts the --flag=value form', () => {
    const settings = readServeSettings(['--port=8080'], {});

    expect(settings.port).toBe(8080);
  });

  it('accepts port 0 and 65535', () => {
    expect(readServeSettings(['--port', '0'], {}).port).toBe(0);
    expect(readServeSettings(['--port', '65535'], {}).port).toBe(65_535);
  });

  it.each(['abc', '65536', '-1', '80.5', '1e3', ' 80', ''])('rejects --port "%s"', (port) => {
    const error = settingsError([`--port=${port}`]);

    expect(error.message).toContain('--port must be a whole number from 0 to 65535');
    expect(error.message).toContain(`"${port}"`);
  });

  it('names PATRON_PORT when invalid', () => {
    const error = settingsError([], { PATRON_PORT: 'eighty' });

    expect(error.message).toContain('PATRON_PORT');
    expect(error.message).toContain('"eighty"');
  });

  it('lets --port override invalid PATRON_PORT', () => {
    const settings = readServeSettings(['--port', '8080'], { PATRON_PORT: 'eighty' });

    expect(settings.port).toBe(8080);
  });

  it('rejects an unknown flag', () => {
    const error = settingsError(['--verbose']);

    expect(error.message).toContain('--verbose');
    expect(error.message).toContain('Usage: patron serve');
  });

  it('rejects a positional argument', () => {
    const error = settingsError(['patron.config.json']);

    expect(error.message).toContain('patron.config.json');
  });

  it('rejects a flag without its value', () => {
    const error = settingsError(['--port']);

    expect(error.message).toContain('--port');
  });
});
