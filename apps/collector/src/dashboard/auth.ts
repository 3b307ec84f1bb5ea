import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';

/** A signed-in shop owner: one site, until `expiresAt`. */
export interface Session {
  id: string;
  siteKey: string;
  /** Token that every form posted within this session must carry. */
  csrfToken: string;
  /** SHA-256 of the site's secret at sign-in, so that changing the secret ends the session. */
  secretDigest: string;
  expiresAt: number;
}

export const SESSION_COOKIE = 'patron_dashboard';
/** Cookie of the login form's token, set with the form before anyone has signed in. */
export const LOGIN_COOKIE = 'patron_dashboard_login';
export const SESSION_TTL_MS = 8 * 60 * 60 * 1000;
export const LOGIN_FORM_TTL_MS = 60 * 60 * 1000;

const MAX_SESSIONS = 10_000;

/** Returns 32 random bytes as base64url, for session ids and form tokens. */
export const randomToken = () => randomBytes(32).toString('base64url');

export const digestOf = (text: string) => createHash('sha256').update(text).digest('base64url');

/** Compares two tokens in constant time; differing lengths compare unequal. */
export function tokensMatch(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The dashboard's sessions, kept in this process's memory: the cookie carries only a random id.
 * Signing out deletes the session at once, and a restart signs everyone out.
 */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  create(siteKey: string, secret: string, now = Date.now()): Session {
    this.removeExpired(now);
    // Map iterates in insertion order, so the first key is the oldest session.
    while (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    const session: Session = { id: randomToken(), siteKey, csrfToken: randomToken(), secretDigest: digestOf(secret), expiresAt: now + SESSION_TTL_MS };
    this.sessions.set(session.id, session);
    return session;
  }

  /** Returns the live session with this id, or undefined when it is unknown or expired. */
  get(id: string | undefined, now = Date.now()): Session | undefined {
    if (!id) return undefined;
    const session = this.sessions.get(id);
    if (!session) return undefined;
    if (session.expiresAt <= now) {
      this.sessions.delete(id);
      return undefined;
    }
    return session;
  }

  delete(id: string): void {
    this.sessions.delete(id);
  }

  get size(): number {
    return this.sessions.size;
  }

  private removeExpired(now: number): void {
    for (const [id, session] of this.sessions) if (session.expiresAt <= now) this.sessions.delete(id);
  }
}

/** Failed sign-ins allowed per client address within {@link LoginThrottle.windowMs}. */
export const MAX_FAILED_LOGINS = 5;

/**
 * Counts failed sign-ins per client address, so that guessing a secret from one address is slowed
 * to {@link MAX_FAILED_LOGINS} tries per 15 minutes. Behind a reverse proxy every client shares the
 * proxy's address, so one client's failures also block the others.
 */
export class LoginThrottle {
  readonly windowMs = 15 * 60 * 1000;
  private readonly failures = new Map<string, { count: number; since: number }>();

  /** Returns the seconds until the address may try again, or 0 when it may try now. */
  retryAfterSeconds(address: string, now = Date.now()): number {
    const entry = this.failures.get(address);
    if (!entry || now - entry.since >= this.windowMs) return 0;
    return entry.count >= MAX_FAILED_LOGINS ? Math.ceil((entry.since + this.windowMs - now) / 1000) : 0;
  }

  recordFailure(address: string, now = Date.now()): void {
    const entry = this.failures.get(address);
    if (!entry || now - entry.since >= this.windowMs) {
      if (this.failures.size >= MAX_SESSIONS) this.removeOld(now);
      this.failures.set(address, { count: 1, since: now });
    } else {
      entry.count++;
    }
  }

  reset(address: string): void {
    this.failures.delete(address);
  }

  private removeOld(now: number): void {
    for (const [address, entry] of this.failures) if (now - entry.since >= this.windowMs) this.failures.delete(address);
    // Still full: many addresses failing at once. The oldest entries go first.
    while (this.failures.size >= MAX_SESSIONS) this.failures.delete(this.failures.keys().next().value!);
  }
}

/** Returns the address of the client's connection, or "unknown" when the request did not come over a socket (as in tests). */
export function clientAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * True unless the browser reports that the form was posted from another site. Browsers send Origin
 * with every POST and Sec-Fetch-Site with most. A request without either (curl) passes this check
 * and still needs the form's token. The host is compared without the scheme, so that a proxy that
 * ends TLS in front of the collector does not make every form cross-origin.
 */
export function isSameOriginPost(c: Context): boolean {
  const fetchSite = c.req.header('sec-fetch-site');
  if (fetchSite !== undefined) return fetchSite === 'same-origin';
  const origin = c.req.header('origin');
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === (c.req.header('host') ?? new URL(c.req.url).host);
  } catch {
    return false;
  }
}

/** True when the browser reached the collector over HTTPS, directly or through a proxy that reports it in X-Forwarded-Proto. */
export function isHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto')?.split(',')[0]?.trim() === 'https';
}
