import { DEBUG } from './debug.js';
import { nav, win } from './env.js';

// Crawlers, link previewers and headless browsers that announce themselves in the user agent.
const BOT_AGENT = /bot|crawl|spider|slurp|headless|lighthouse|prerender/i;

/**
 * Returns the reason this page must not be tracked, or undefined when it may be. The reasons are
 * `'no-browser'` outside a browser and `'bot'` for known bots and automated browsers (unless
 * `trackBots`). `'opt-out'` applies when the visitor sends Global Privacy Control or Do Not Track
 * and the site honours them. Builds
 * without debug messages return "1" for all three.
 */
export function pageSkipReason(trackBots: boolean, honourPrivacySignals: boolean): string | undefined {
  if (!win || !nav) return DEBUG ? 'no-browser' : '1';
  if (!trackBots && (nav.webdriver || BOT_AGENT.test(nav.userAgent))) return DEBUG ? 'bot' : '1';
  const signals = nav as Navigator & { globalPrivacyControl?: boolean };
  if (honourPrivacySignals && (signals.globalPrivacyControl || nav.doNotTrack === '1')) return DEBUG ? 'opt-out' : '1';
  return undefined;
}

/**
 * The reason an event cannot be sent, or undefined: property values must be strings, numbers,
 * booleans or null. Only debug builds call it.
 */
export function eventSkipReason(event: Record<string, unknown>): string | undefined {
  for (const field of ['props', 'traits']) {
    for (const [key, value] of Object.entries((event[field] as object | undefined) ?? {})) {
      if (value === Object(value)) {
        return `${field}.${key} is an object or function; send a string, number, boolean or null`;
      }
    }
  }
  return undefined;
}
