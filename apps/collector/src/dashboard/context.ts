import type { Context } from 'hono';
import type { SiteConfig } from '../config/schema.js';
import type { AppEnv } from '../http/env.js';
import type { Session } from './auth.js';
import { Formatter, pickLocale } from './format.js';
import { isTimeZone } from './time.js';

/** Variables the dashboard's session check adds to each request. */
export type DashboardEnv = AppEnv & { Variables: { site: SiteConfig; session: Session } };

/** The site, the session and the formats of one request, which every page needs to render. */
export interface PageContext {
  site: SiteConfig;
  session: Session;
  format: Formatter;
  timeZone: string;
  /** The `tz` query parameter to carry in links, or undefined for UTC. */
  tzParam: string | undefined;
  /** Messages about the request itself, such as an unknown time zone. */
  notices: string[];
}

/**
 * Reads the time zone from `?tz=` (an IANA name such as "Europe/London", default UTC) and the
 * locale from Accept-Language, and builds the page context.
 */
export function pageContext(c: Context<DashboardEnv>): PageContext {
  const notices: string[] = [];
  const requested = c.req.query('tz');
  let timeZone = 'UTC';
  if (requested && isTimeZone(requested)) timeZone = new Intl.DateTimeFormat('en', { timeZone: requested }).resolvedOptions().timeZone;
  else if (requested) notices.push(`Unknown time zone "${requested}", so times are in UTC. Use an IANA name such as Europe/London or America/New_York.`);
  const format = new Formatter(pickLocale(c.req.header('accept-language')), c.var.site.currency, timeZone);
  return { site: c.var.site, session: c.var.session, format, timeZone, tzParam: timeZone === 'UTC' ? undefined : timeZone, notices };
}
