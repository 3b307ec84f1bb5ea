import type { Context } from 'hono';

/** A privacy signal that browsers send as a request header when the visitor turned it on. */
export type PrivacySignal = 'Sec-GPC' | 'DNT';

/**
 * Returns the privacy signal the request carries, or undefined: Global Privacy Control
 * (`Sec-GPC: 1`) or Do Not Track (`DNT: 1`). Page scripts cannot set or remove either header,
 * because `DNT` and names starting with `Sec-` are forbidden request headers (MDN glossary,
 * "Forbidden request header"). Servers and curl can send anything.
 */
export function privacySignalOf(c: Context): PrivacySignal | undefined {
  if (c.req.header('sec-gpc')?.trim() === '1') return 'Sec-GPC';
  if (c.req.header('dnt')?.trim() === '1') return 'DNT';
  return undefined;
}
