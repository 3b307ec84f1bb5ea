import { readFileSync } from 'node:fs';
import { toIssues } from '@patron/protocol';
import { configSchema, type Config } from './schema.js';

/** A configuration file that cannot be read or does not match the schema. */
export class ConfigError extends Error {
  override name = 'ConfigError';

  constructor(
    message: string,
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Reads and validates a JSON configuration file; the error lists every invalid field by its path. */
export function loadConfig(path: string): Config {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new ConfigError(`Cannot read the configuration file ${path}: ${(cause as Error).message}. Pass an existing file with --config or PATRON_CONFIG.`, path, { cause });
  }

  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new ConfigError(`The configuration file ${path} is not valid JSON: ${(cause as Error).message}`, path, { cause });
  }
  return parseConfig(json, path);
}

/** Validates a configuration object; `source` names it in error messages. */
export function parseConfig(json: unknown, source = 'configuration'): Config {
  const result = configSchema.safeParse(json);
  if (result.success) return result.data;
  const lines = toIssues(result.error).map((issue) => `  ${issue.path || '(top level)'}: ${issue.message}`);
  throw new ConfigError(`The configuration in ${source} is invalid:\n${lines.join('\n')}`, source);
}
