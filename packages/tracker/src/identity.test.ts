import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createIdentity, SESSION_TIMEOUT_MS } from './identity.js';

const allowed = () => true;
let sites = 0;
const site = () => `identity-${++sites}`;

beforeEach(() => {
  localStorage.clear();
  for (const cookie of document.cookie.split('; ')) document.cookie = `${cookie.split('=')[0]}=;max-age=0;path=/`;
});
afterEach(() => vi.restoreAllMocks());

describe('visitor id', () => {
  it('survives a new instance', () => {
    const key = site();
    expect(createIdentity(key, allowed).visitorId()).toBe(createIdentity(key, allowed).visitorId());
  });

  it('differs per site', () => {
    expect(createIdentity(site(), allowed).visitorId()).not.toBe(createIdentity(site(), allowed).visitorId());
  });

  it('is restored from the cookie', () => {
    const key = site();
    const identity = createIdentity(key, allowed);
    identity.persist();
    const id = identity.visitorId();
    localStorage.clear();

    expect(document.cookie).toContain(`patron_${key}=${id}`);
    expect(createIdentity(key, allowed).visitorId()).toBe(id);
  });

  it('is kept in memory when storage throws', () => {
    vi.spyOn(Storage.prototype, 'getItem').mockImplementation(() => {
      throw new DOMException('denied', 'SecurityError');
    });
    vi.spyOn(Storage.prototype, 'setItem').mockImplementation(() => {
      throw new DOMException('full', 'QuotaExceededError');
    });
    const identity = createIdentity(site(), allowed);
    const id = identity.visitorId();

    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(identity.visitorId()).toBe(id);
  });

  it('is not stored without consent', () => {
    const key = site();
    const identity = createIdentity(key, () => false);
    const id = identity.visitorId();
    identity.persist();

    expect(identity.visitorId()).toBe(id);
    expect(localStorage.getItem(`patron:v:${key}`)).toBeNull();
    expect(document.cookie).not.toContain(id);
  });
});

describe('session', () => {
  it('continues while active', () => {
    const identity = createIdentity(site(), allowed);
    const start = 1_700_000_000_000;
    const session = identity.sessionId(start);

    expect(identity.sessionId(start + SESSION_TIMEOUT_MS - 1)).toBe(session);
    expect(identity.sessionId(start + 2 * SESSION_TIMEOUT_MS - 2)).toBe(session);
  });

  it('restarts after 30 idle minutes', () => {
    const identity = createIdentity(site(), allowed);
    const start = 1_700_000_000_000;
    const session = identity.sessionId(start);

    expect(identity.sessionId(start + SESSION_TIMEOUT_MS)).not.toBe(session);
  });
});

describe('reset', () => {
  it('forgets the user and the visitor', () => {
    const identity = createIdentity(site(), allowed);
    const visitor = identity.visitorId();
    identity.setUser('user-1');
    identity.reset();

    expect(identity.getUser()).toBeUndefined();
    expect(identity.visitorId()).not.toBe(visitor);
  });
});
