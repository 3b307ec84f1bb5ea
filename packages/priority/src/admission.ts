import { PriorityLimiter, ShedError, type LimiterOptions } from './limiter.js';
import { tierOfPass } from './pass.js';
import { rankOf, type Tier } from './tiers.js';

const higherTier = (a: Tier, b: Tier): Tier => (rankOf(a) <= rankOf(b) ? a : b);

export interface AdmissionOptions extends LimiterOptions {
  /** The site's key, as in Patron's configuration. */
  siteKey: string;
  /** The site's secret key, which signs the passes. */
  secret: string;
  /** Name of the cookie that carries the pass; the Patron tracker sets `patron_pass`. */
  cookieName?: string;
  /** Seconds a shed request is told to wait before retrying. Default 2. */
  retryAfterSeconds?: number;
  /** The limiter to share between several routes; a new one by default. */
  limiter?: PriorityLimiter;
}

/** Reads a cookie from a Cookie header. A value that is not valid percent-encoding counts as missing. */
export function readCookie(header: string | undefined | null, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key !== name) continue;
    try {
      return decodeURIComponent(value.join('='));
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Shortest secret accepted, as for a site's secret key in Patron's configuration. */
const MIN_SECRET_LENGTH = 24;

/** The admission shared by the adapters: the tier of a request from its pass, and the limiter. */
export function createAdmission(options: AdmissionOptions) {
  // Without these every pass would count as bronze, which looks like working admission until
  // the best customers are shed with everyone else.
  if (typeof options.siteKey !== 'string' || options.siteKey === '') {
    throw new TypeError('@patron/priority: siteKey is missing; pass the site key of your Patron configuration');
  }
  if (typeof options.secret !== 'string' || options.secret.length < MIN_SECRET_LENGTH) {
    throw new TypeError(
      `@patron/priority: secret is missing or shorter than ${MIN_SECRET_LENGTH} characters; pass the site's secret key from Patron's configuration (is the environment variable that contains it set?)`,
    );
  }
  const limiter = options.limiter ?? new PriorityLimiter(options);
  const secretOf = (site: string) => (site === options.siteKey ? options.secret : undefined);
  const cookieName = options.cookieName ?? 'patron_pass';
  const tierOf = (pass: string | undefined | null): Tier => tierOfPass(pass, secretOf);
  return {
    limiter,
    cookieName,
    retryAfterSeconds: options.retryAfterSeconds ?? 2,
    /** The higher tier of the pass in the header and the one in the cookie, so an invalid header cannot hide a valid cookie. */
    tierOfRequest: (header: string | undefined, cookieHeader: string | undefined): Tier => higherTier(tierOf(header), tierOf(readCookie(cookieHeader, cookieName))),
    isShed: (error: unknown): error is ShedError => error instanceof ShedError,
  };
}
