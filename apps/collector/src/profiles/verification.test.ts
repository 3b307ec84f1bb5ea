import { describe, expect, it } from 'vitest';
import { configInput, openTestCollector, pageView, responseJson, siteInput } from '../test/harness.js';
import { userHashOf } from './verification.js';

const SECRET = 'site-secret-of-24-chars-at-least';

function openVerified() {
  return openTestCollector(configInput(siteInput({ secretKey: SECRET, identityVerification: 'required' })));
}

const identify = (visitorId: string, userId: string, extra: Record<string, unknown> = {}) => ({ ...pageView({ visitorId }), type: 'identify', userId, traits: { email: `${userId}@example.com` }, ...extra });

async function send(collector: ReturnType<typeof openVerified>, events: unknown[]) {
  return responseJson<{ accepted: number; rejected: Array<{ issues: Array<{ path: string; message: string }> }> }>(await collector.sendEvents(events));
}

describe('identity verification', () => {
  it('accepts a signed identify', async () => {
    const collector = openVerified();

    const result = await send(collector, [identify('phone', 'ada', { userHash: userHashOf('ada', SECRET) })]);

    expect(result.accepted).toBe(1);
    expect(collector.rows('SELECT profile_id FROM identities WHERE visitor_id = ?', 'phone')).toEqual([{ profile_id: 'u:ada' }]);
  });

  it('rejects an unsigned identify', async () => {
    const collector = openVerified();

    const result = await send(collector, [identify('attacker', 'ada')]);

    expect(result.accepted).toBe(0);
    expect(result.rejected[0]?.issues[0]?.path).toBe('userHash');
    expect(collector.rows("SELECT id FROM profiles WHERE id = 'u:ada'")).toEqual([]);
  });

  it('rejects a hash of another user', async () => {
    const collector = openVerified();

    const result = await send(collector, [identify('attacker', 'ada', { userHash: userHashOf('eve', SECRET) })]);

    expect(result.rejected[0]?.issues[0]?.message).toContain('does not match the user id');
  });

  it('ignores user ids on other events', async () => {
    const collector = openVerified();
    await send(collector, [identify('phone', 'ada', { userHash: userHashOf('ada', SECRET) })]);

    await send(collector, [pageView({ visitorId: 'attacker', userId: 'ada' })]);

    expect(collector.rows('SELECT profile_id FROM identities WHERE visitor_id = ?', 'attacker')).toEqual([{ profile_id: 'v:attacker' }]);
  });

  it('lets any identify through when off', async () => {
    const collector = openTestCollector();

    const result = await send(collector, [identify('phone', 'ada')]);

    expect(result.accepted).toBe(1);
  });
});
