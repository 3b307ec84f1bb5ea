import type { Context } from 'hono';
import type { Config, SiteConfig } from '../config/schema.js';
import { HttpError } from './errors.js';

/** The configured sites by key, and the origins allowed to call the collector for each. */
export class Sites {
  private readonly byKey: Map<string, SiteConfig>;
  private readonly anyOrigin: Set<string>;

  constructor(config: Config) {
    this.byKey = new Map(config.sites.map((site) => [site.key, site]));
    this.anyOrigin = new Set(config.sites.flatMap((site) => site.allowedOrigins));
  }

  /** Returns the site, or throws a 404 whose message explains how to fix the key. */
  get(key: string): SiteConfig {
    const site = this.byKey.get(key);
    if (site) return site;
    throw new HttpError(
      404,
      'site_not_found',
      `Site key "${key}" is not configured on this collector; check the tracker's siteKey or add the site to the configuration file`,
    );
  }

  /**
   * True when some site allows the origin, or the page is the collector's own. Preflight requests
   * carry no site key, so the per-site check happens in {@link checkOrigin}.
   */
  allowsPreflight(origin: string, host: string | undefined): boolean {
    return this.anyOrigin.has('*') || this.anyOrigin.has(origin) || isSameOrigin(origin, host);
  }

  /**
   * Throws a 403 unless the request comes from an origin the site allows. A request without an
   * Origin header (a server, curl) and a page served by the collector itself are allowed.
   *
   * Browsers send text/plain POSTs across origins without asking first, so this check, not the
   * CORS headers alone, is what keeps other origins from writing to a site.
   */
  checkOrigin(c: Context, site: SiteConfig): void {
    const origin = c.req.header('origin');
    if (!origin || isSameOrigin(origin, c.req.header('host'))) return;
    if (site.allowedOrigins.includes('*') || site.allowedOrigins.includes(origin)) return;
    throw new HttpError(
      403,
      'origin_not_allowed',
      `Origin ${origin} is not allowed for site "${site.key}"; add it to allowedOrigins of that site in the configuration file`,
    );
  }
}

/** Hosts of the origins seen lately, so that an origin is parsed once rather than on every request. */
const hostOfOrigin = new Map<string, string | null>();
const HOSTS_KEPT = 1000;

function isSameOrigin(origin: string, host: string | undefined): boolean {
  if (!host) return false;
  let originHost = hostOfOrigin.get(origin);
  if (originHost === undefined) {
    originHost = URL.canParse(origin) ? new URL(origin).host : null;
    if (hostOfOrigin.size >= HOSTS_KEPT) hostOfOrigin.clear();
    hostOfOrigin.set(origin, originHost);
  }
  return originHost === host;
}
