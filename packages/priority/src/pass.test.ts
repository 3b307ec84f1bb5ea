import { describe, expect, it } from 'vitest';
import { createPass, tierOfPass, verifyPass } from './pass.js';

const SECRET = 'site-secret-of-24-chars-at-least';
const NOW = Date.parse('2026-12-04T12:00:00Z');
const secretOf = (site: string) => (site === 'shop' ? SECRET : undefined);
const claims = { site: 'shop', visitor: 'visitor-1', tier: 'platinum' as const, expires: NOW / 1000 + 3600 };

describe('verifyPass', () => {
  it('accepts a pass it signed', () => {
    expect(verifyPass(createPass(claims, SECRET), secretOf, NOW)).toEqual({ valid: true, claims });
  });

  it('rejects a raised tier', () => {
    const raised = createPass({ ...claims, tier: 'bronze' }, SECRET).replace('.bronze.', '.platinum.');

    expect(verifyPass(raised, secretOf, NOW)).toEqual({ valid: false, reason: 'wrong signature' });
  });

  it('rejects another secret', () => {
    expect(verifyPass(createPass(claims, 'another-secret-of-24-chars-xx'), secretOf, NOW)).toEqual({ valid: false, reason: 'wrong signature' });
  });

  it('rejects an expired pass', () => {
    expect(verifyPass(createPass({ ...claims, expires: NOW / 1000 - 1 }, SECRET), secretOf, NOW)).toEqual({ valid: false, reason: 'expired' });
  });

  it('rejects an unknown site', () => {
    expect(verifyPass(createPass({ ...claims, site: 'other' }, SECRET), secretOf, NOW)).toEqual({ valid: false, reason: 'unknown site "other"' });
  });

  it.each([undefined, '', 'p1.shop', 'x1.a.b.c.d.e', 'p1.shop.v.platinum.1.sig.extra'])('rejects malformed %j', (pass) => {
    expect(verifyPass(pass, secretOf, NOW).valid).toBe(false);
  });
});

describe('tierOfPass', () => {
  it('gives the lowest tier without a valid pass', () => {
    expect(tierOfPass('p1.shop.v.platinum.9999999999.forged', secretOf, NOW)).toBe('bronze');
  });

  it('gives the tier of a valid pass', () => {
    expect(tierOfPass(createPass({ ...claims, tier: 'gold' }, SECRET), secretOf, NOW)).toBe('gold');
  });
});
