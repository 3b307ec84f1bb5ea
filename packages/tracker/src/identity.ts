import { doc } from './env.js';
import { randomId } from './ids.js';
import { load, save } from './storage.js';

/** A session ends after this long without an event, as in most analytics tools. */
export const SESSION_TIMEOUT_MS = 30 * 60 * 1000;

/**
 * Keeps the visitor, session and user ids of one site. The visitor id lives in localStorage and
 * in a first-party cookie (on `cookieDomain` when given), so either one restores the other.
 * `persist` tells whether storing is allowed yet.
 */
export function createIdentity(siteKey: string, persist: () => boolean, cookieDomain?: string) {
  const visitorKey = `patron:v:${siteKey}`;
  const sessionKey = `patron:s:${siteKey}`;
  const userKey = `patron:u:${siteKey}`;
  // Site keys are lowercase letters, digits and "-", all valid in a cookie name.
  const cookie = `patron_${siteKey}`;

  const setVisitor = (id: string) => {
    save(visitorKey, id, persist());
    if (doc && persist()) {
      // 400 days is the longest Chrome keeps a cookie; browsers default to SameSite=Lax.
      doc.cookie = `${cookie}=${id};path=/;max-age=34560000${cookieDomain ? `;domain=${cookieDomain}` : ''}`;
    }
    return id;
  };
  const visitorId = () => load(visitorKey) ?? setVisitor(doc?.cookie.match(`(^|; )${cookie}=(\\w+)`)?.[2] ?? randomId());

  return {
    /** The anonymous visitor id, kept across reloads and visits. */
    visitorId,
    /** The current session id; a new one starts after 30 minutes without activity. */
    sessionId(now = Date.now()): string {
      const [id, last] = (load(sessionKey) ?? '').split('.');
      const current = id && now - Number(last) < SESSION_TIMEOUT_MS ? id : randomId();
      save(sessionKey, `${current}.${now}`, persist());
      return current;
    },
    getUser: () => load(userKey) ?? undefined,
    setUser: (userId: string) => save(userKey, userId, persist()),
    /** Forgets the user and starts a new anonymous visitor and session, for logouts on shared computers. */
    reset() {
      save(userKey, null, true);
      save(sessionKey, null, true);
      setVisitor(randomId());
    },
    /** Writes the visitor cookie once storing is allowed. */
    persist: () => setVisitor(visitorId()),
  };
}

export type Identity = ReturnType<typeof createIdentity>;
