import { doc } from './env.js';
import { randomId } from './ids.js';
import { isPersisting, load, save } from './storage.js';

/** A session ends after this long without an event, as in most analytics tools. */
export const SESSION_TIMEOUT_MS = 30 * 60 * 1000;

/**
 * Keeps the visitor, session and user ids of one site. The visitor id lives in localStorage and
 * in a first-party cookie (on `cookieDomain` when given), so either one restores the other.
 * Nothing is written to either while storing is not allowed.
 */
export function createIdentity(siteKey: string, cookieDomain?: string) {
  const visitorKey = `patron:v:${siteKey}`;
  const sessionKey = `patron:s:${siteKey}`;
  const userKey = `patron:u:${siteKey}`;
  // Site keys are lowercase letters, digits and "-", all valid in a cookie name.
  const cookie = `patron_${siteKey}`;

  // 400 days is the longest Chrome keeps a cookie; browsers default to SameSite=Lax.
  const writeCookie = (value: string, maxAge: number) => {
    if (doc) doc.cookie = `${cookie}=${value};path=/;max-age=${maxAge}${cookieDomain ? `;domain=${cookieDomain}` : ''}`;
  };
  const setVisitor = (id: string) => {
    save(visitorKey, id);
    if (isPersisting()) writeCookie(id, 34560000);
    return id;
  };
  /** Deletes the stored ids and the cookie. */
  const forget = () => {
    for (const key of [visitorKey, sessionKey, userKey]) save(key, null);
    writeCookie('', 0);
  };
  const visitorId = () => load(visitorKey) ?? setVisitor(doc?.cookie.match(`(^|; )${cookie}=(\\w+)`)?.[2] ?? randomId());

  return {
    /** The anonymous visitor id, kept across reloads and visits. */
    visitorId,
    /** Returns the current session id; a new one starts after 30 minutes without activity. */
    sessionId(now = Date.now()): string {
      const [id, last] = (load(sessionKey) ?? '').split('.');
      const current = id && now - Number(last) < SESSION_TIMEOUT_MS ? id : randomId();
      save(sessionKey, `${current}.${now}`);
      return current;
    },
    getUser: () => load(userKey) ?? undefined,
    setUser: (userId: string) => save(userKey, userId),
    /** Forgets the user and starts a new anonymous visitor and session, for logouts on shared computers. */
    reset() {
      forget();
      setVisitor(randomId());
    },
    /** Writes the visitor cookie, once storing is allowed. */
    persist: () => setVisitor(visitorId()),
    forget,
  };
}

export type Identity = ReturnType<typeof createIdentity>;
