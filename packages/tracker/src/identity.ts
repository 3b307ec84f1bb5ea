import { load, save } from './env.js';
import { uuid } from './ids.js';

/** A session ends after this long without an event, as in most analytics tools. */
export const SESSION_TIMEOUT_MS = 30 * 60 * 1000;

const VISITOR_KEY = 'patron:vid';
const SESSION_KEY = 'patron:sid';
const USER_KEY = 'patron:uid';

export interface Identity {
  /** The anonymous visitor id, kept across reloads and visits. */
  visitorId(): string;
  /** The current session id; a new one starts after 30 minutes without activity. */
  sessionId(now?: number): string;
  userId(): string | undefined;
  setUserId(userId: string): void;
  /** Forgets the user and starts a new anonymous visitor and session, for logouts on shared computers. */
  reset(): void;
}

/** Keeps the visitor, session and user ids in storage, namespaced by `prefix` (the site key). */
export function createIdentity(prefix: string): Identity {
  const key = (name: string) => `${name}:${prefix}`;

  const visitorId = () => {
    let id = load(key(VISITOR_KEY));
    if (!id) save(key(VISITOR_KEY), (id = uuid()));
    return id;
  };

  const sessionId = (now = Date.now()) => {
    const [id, last] = (load(key(SESSION_KEY)) ?? '').split('.');
    const current = id && now - Number(last) < SESSION_TIMEOUT_MS ? id : uuid();
    save(key(SESSION_KEY), `${current}.${now}`);
    return current;
  };

  return {
    visitorId,
    sessionId,
    userId: () => load(key(USER_KEY)) ?? undefined,
    setUserId: (userId) => save(key(USER_KEY), userId),
    reset() {
      save(key(USER_KEY), null);
      save(key(SESSION_KEY), null);
      save(key(VISITOR_KEY), uuid());
    },
  };
}
