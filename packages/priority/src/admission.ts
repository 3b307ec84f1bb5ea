import { PriorityLimiter, ShedError, type LimiterOptions } from './limiter.js';
import { tierOfPass } from './pass.js';
import type { Tier } from './tiers.js';

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

/** Reads a cookie from a Cookie header. */
export function readCookie(header: string | undefined | null, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return decodeURIComponent(value.join('='));
  }
  return undefined;
}

/** The admission shared by the adapters: the tier of a request from its pass, and the limiter. */
export function createAdmission(options: AdmissionOptions) {
  const limiter = options.limiter ?? new PriorityLimiter(options);
  const secretOf = (site: string) => (site === options.siteKey ? options.secret : undefined);
  return {
    limiter,
    cookieName: options.cookieName ?? 'patron_pass',
    retryAfterSeconds: options.retryAfterSeconds ?? 2,
    tierOf: (pass: string | undefined | null): Tier => tierOfPass(pass, secretOf),
    isShed: (error: unknown): error is ShedError => error instanceof ShedError,
  };
}
