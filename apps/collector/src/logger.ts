import pino, { type Logger } from 'pino';

/** Creates the collector's JSON logger; `PATRON_LOG_LEVEL` sets the level (default "info"). */
export function createLogger(level = process.env.PATRON_LOG_LEVEL ?? 'info'): Logger {
  return pino({ name: 'patron', level });
}
