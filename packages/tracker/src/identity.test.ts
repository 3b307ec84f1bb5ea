import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createIdentity, SESSION_TIMEOUT_MS } from './identity.js';
import { setPersisting } from './storage.js';

let sites = 0;
const site = () => `identity-${++sites}`;

beforeEach(() => {
  localStorage.clear();
  for (const cookie of document.cookie.split('; ')) document.cookie = `${cookie.split('=')[0]}=;max-age=0;path=/`;
});
afterEach(() => {
  vi.restoreAllMocks();
  setPersisting(true);
});

describe('visitor id', () => {
  it('survives a new instance', () => {
    const key = site();
    expect(createIdentity(key).visitorId()).toBe(createIdentity(key).visitorId());
  });

  it('differs per site', () => {
    expect(createIdentity(site()).visitorId()).not.toBe(createIdentity(site()).visitorId());
  });

  it('is restored from the cookie', () => {
    const key = site();
    const identity = createIdentity(key);
    identity.persist();
    const id = identity.visitorId();
    localStorage.clear();

    expect(document.cookie).toContain(`patron_${key}=${id}`);
    expect(createIdentity(key).visitorId()).toBe(id);
  });

  it('is kept in memory when storage throws', () => {
    vi.spyOn(Storage.prototype, 'getItem').mockImplementation(() => {
      throw new DOMException('denied', 'SecurityError');
    });
    vi.spyOn(Storage.prototype, 'setItem').mockImplementation(() => {
      throw new DOMException('full', 'QuotaExceededError');
    });
    const identity = createIdentity(site());
    const id = identity.visitorId();

    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(identity.visitorId()).toBe(id);
  });

  it('is not stored without consent', () => {
    const key = site();
    setPersisting(false);
    const identity = createIdentity(key);
    const id = identity.visitorId();
    identity.persist();

    expect(identity.visitorId()).toBe(id);
    expect(localStorage.getItem(`patron:v:${key}`)).toBeNull();
    expect(document.cookie).not.toContain(id);
  });
});

describe('session', () => {
  it('continues while active', () => {
    const identity = createIdentity(site());
    const start = 1_700_000_000_000;
    const session = identity.sessionId(start);

    expect(identity.sessionId(start + SESSION_TIMEOUT_MS - 1)).toBe(session);
    expect(identity.sessionId(start + 2 * SESSION_TIMEOUT_MS - 2)).toBe(session);
  });

  it('restarts after 30 idle minutes', () => {
    const identity = createIdentity(site());
    const start = 1_700_000_000_000;
    const session = identity.sessionId(start);

    expect(identity.sessionId(start + SESSION_TIMEOUT_MS)).not.toBe(session);
  });
});

describe('forget', () => {
  it('deletes the ids and the cookie', () => {
    const key = site();
    const identity = createIdentity(key);
    identity.persist();
    identity.setUser('ada');
    identity.sessionId();
    identity.forget();

    expect(Object.keys(localStorage).filter((name) => name.endsWith(key))).toEqual([]);
    // max-age=0 deletes the cookie in browsers; happy-dom keeps it with an empty value.
    expect(document.cookie).not.toMatch(new RegExp(`patron_${key}=\\w`));
  });
});

describe('reset', () => {
  it('forgets the user and the visitor', () => {
    const identity = createIdentity(site());
    const visitor = identity.visitorId();
    identity.setUser('user-1');
    identity.reset();

    expect(identity.getUser()).toBeUndefined();
    expect(identity.visitorId()).not.toBe(visitor);
  });
});
