import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createIdentity, SESSION_TIMEOUT_MS } from './identity.js';

beforeEach(() => localStorage.clear());
afterEach(() => vi.restoreAllMocks());

describe('identity', () => {
  it('keeps the visitor id across instances', () => {
    const first = createIdentity('shop').visitorId();
    const second = createIdentity('shop').visitorId();

    expect(second).toBe(first);
  });

  it('keeps one visitor id per site key', () => {
    expect(createIdentity('shop-a').visitorId()).not.toBe(createIdentity('shop-b').visitorId());
  });

  it('keeps the session while active', () => {
    const identity = createIdentity('shop');
    const start = 1_700_000_000_000;
    const session = identity.sessionId(start);

    expect(identity.sessionId(start + SESSION_TIMEOUT_MS - 1)).toBe(session);
    expect(identity.sessionId(start + 2 * SESSION_TIMEOUT_MS - 2)).toBe(session);
  });

  it('starts a new session after 30 idle minutes', () => {
    const identity = createIdentity('shop');
    const start = 1_700_000_000_000;
    const session = identity.sessionId(start);

    expect(identity.sessionId(start + SESSION_TIMEOUT_MS)).not.toBe(session);
  });

  it('reset forgets the user and the visitor', () => {
    const identity = createIdentity('shop');
    const visitor = identity.visitorId();
    identity.setUserId('user-1');
    identity.reset();

    expect(identity.userId()).toBeUndefined();
    expect(identity.visitorId()).not.toBe(visitor);
  });

  it('falls back to memory when storage throws', () => {
    vi.spyOn(Storage.prototype, 'getItem').mockImplementation(() => {
      throw new DOMException('denied', 'SecurityError');
    });
    vi.spyOn(Storage.prototype, 'setItem').mockImplementation(() => {
      throw new DOMException('denied', 'QuotaExceededError');
    });
    const identity = createIdentity('private-mode');
    const visitor = identity.visitorId();

    expect(visitor).toMatch(/^[0-9a-f-]{36}$/);
    expect(identity.visitorId()).toBe(visitor);
  });
});
