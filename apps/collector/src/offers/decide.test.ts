import { describe, expect, it } from 'vitest';
import { BUCKETS, bucketOf } from './buckets.js';
import { decide, HOLDOUT, noneServed, type CatalogOffer, type DecisionInput, type KeptAssignment, type ServedCounts } from './decide.js';
import { factCatalog, factNames, type Facts } from './facts-catalog.js';
import { offerConfigSchema, offerSettingsSchema, resolveVariants, type OfferInput } from './schema.js';

const SITE = 'test-shop';

function offer(input: Partial<OfferInput> & { id: string }): CatalogOffer {
  const config = offerConfigSchema.parse({ title: `Title of ${input.id}`, message: `Message of ${input.id}`, ...input });
  return { config, variants: resolveVariants(config), source: 'file' };
}

/** Facts of a first-time visitor with nothing in the cart, overridden where a test needs. */
function facts(overrides: Partial<Facts> = {}): Facts {
  const blank = Object.fromEntries(
    factNames.map((name) => {
      const { type, nullable } = factCatalog[name];
      const value = nullable ? null : type === 'number' ? 0 : type === 'boolean' ? false : type === 'list' ? [] : '';
      return [name, value];
    }),
  ) as unknown as Facts;
  return { ...blank, 'visitor.new': true, 'visitor.sessions': 1, ...overrides };
}

function input(overrides: Partial<DecisionInput> = {}): DecisionInput {
  return {
    siteKey: SITE,
    subject: 'visitor-a',
    facts: facts(),
    now: Date.parse('2026-12-04T12:00:00Z'),
    settings: offerSettingsSchema.parse({ holdoutShare: 0 }),
    served: { byOffer: new Map(), total: { ...noneServed } },
    kept: new Map(),
    ...overrides,
  };
}

const served = (counts: Partial<ServedCounts>): ServedCounts => ({ ...noneServed, ...counts });

/** Returns the first visitor id, counting up from visitor-0, whose bucket for the parts satisfies the test. */
function visitorWhere(test: (id: string) => boolean): string {
  for (let n = 0; n < 100_000; n++) if (test(`visitor-${n}`)) return `visitor-${n}`;
  throw new Error('no visitor id found');
}

describe('decide order of steps', () => {
  it('serves a forced preview first', () => {
    const paused = offer({ id: 'paused', status: 'paused', variants: [{ id: 'a' }, { id: 'b' }] });

    const decision = decide([paused], input({ forced: { offerId: 'paused', variant: 'b' }, settings: offerSettingsSchema.parse({ holdoutShare: 0.5 }) }));

    expect(decision.offer?.id).toBe('paused');
    expect(decision.offer?.variant).toBe('b');
    expect(decision.assignment).toBeNull();
    expect(decision.forced).toBe(true);
    expect(decision.assign).toEqual([]);
  });

  it('ignores a preview of an unknown offer', () => {
    const decision = decide([offer({ id: 'known' })], input({ forced: { offerId: 'gone' } }));

    expect(decision.offer?.id).toBe('known');
    expect(decision.forced).toBe(false);
    expect(decision.explanation[0]).toContain('gone');
  });

  it('holds back the holdout before targeting', () => {
    const subject = visitorWhere((id) => bucketOf(SITE, 'holdout', id) < 200);

    const decision = decide([offer({ id: 'everyone' })], input({ subject, settings: offerSettingsSchema.parse({}) }));

    expect(decision.offer).toBeNull();
    expect(decision.assignment).toEqual({ group: 'holdout' });
    expect(decision.assign).toEqual([{ offerId: HOLDOUT, variant: null, group: 'holdout' }]);
  });

  it('keeps a visitor out of the holdout once placed', () => {
    const subject = visitorWhere((id) => bucketOf(SITE, 'holdout', id) < 200);
    const kept = new Map<string, KeptAssignment>([[HOLDOUT, { variant: null, group: 'treatment' }]]);

    const decision = decide([offer({ id: 'everyone' })], input({ subject, kept, settings: offerSettingsSchema.parse({}) }));

    expect(decision.offer?.id).toBe('everyone');
  });

  it('skips paused and unscheduled offers', () => {
    const offers = [
      offer({ id: 'paused', status: 'paused', priority: 9 }),
      offer({ id: 'future', schedule: { start: '2027-01-01T00:00:00Z' }, priority: 8 }),
      offer({ id: 'past', schedule: { end: '2026-12-01T00:00:00Z' }, priority: 7 }),
      offer({ id: 'current', schedule: { start: '2026-12-01T00:00:00Z', end: '2026-12-31T00:00:00Z' } }),
    ];

    const decision = decide(offers, input());

    expect(decision.offer?.id).toBe('current');
    expect(decision.explanation).toContain('paused: paused');
    expect(decision.explanation).toContain('future: scheduled from 2027-01-01T00:00:00Z');
    expect(decision.explanation).toContain('past: ended at 2026-12-01T00:00:00Z');
  });

  it('prefers the higher priority', () => {
    const decision = decide([offer({ id: 'low', priority: 1 }), offer({ id: 'high', priority: 5 })], input());

    expect(decision.offer?.id).toBe('high');
  });

  it('breaks ties by listing order', () => {
    const decision = decide([offer({ id: 'first' }), offer({ id: 'second' })], input());

    expect(decision.offer?.id).toBe('first');
  });

  it('targets by facts', () => {
    const winBack = offer({ id: 'win-back', when: { fact: 'customer.segment', op: 'in', value: ['at risk', "can't lose"] } });

    expect(decide([winBack], input({ facts: facts({ 'customer.segment': 'at risk' }) })).offer?.id).toBe('win-back');
    expect(decide([winBack], input({ facts: facts({ 'customer.segment': 'champions' }) })).offer).toBeNull();
  });
});

describe('decide caps', () => {
  const capped = (caps: OfferInput['caps']) => offer({ id: 'capped', caps, priority: 1 });
  const fallback = offer({ id: 'fallback' });

  it.each([
    ['perPageView', { perPageView: 1 }, served({ perPageView: 1, perSession: 1, perDay: 1, perWeek: 1, lifetime: 1 }), '1 per page view'],
    ['perSession', { perSession: 2 }, served({ perSession: 2, perDay: 2, perWeek: 2, lifetime: 2 }), '2 per session'],
    ['perDay', { perDay: 3 }, served({ perDay: 3, perWeek: 3, lifetime: 3 }), '3 in 24 hours'],
    ['perWeek', { perWeek: 4 }, served({ perWeek: 4, lifetime: 4 }), '4 in 7 days'],
    ['lifetime', { lifetime: 5 }, served({ lifetime: 5 }), '5 ever'],
  ] as const)('stops at the %s cap', (_window, caps, counts, label) => {
    const decision = decide([capped(caps), fallback], input({ served: { byOffer: new Map([['capped', counts]]), total: counts } }));

    expect(decision.offer?.id).toBe('fallback');
    expect(decision.explanation.some((line) => line.startsWith('capped:') && line.includes(`cap is reached (${label})`))).toBe(true);
  });

  it('serves below the cap', () => {
    const counts = served({ perSession: 1, lifetime: 1 });

    const decision = decide([capped({ perSession: 2 }), fallback], input({ served: { byOffer: new Map([['capped', counts]]), total: counts } }));

    expect(decision.offer?.id).toBe('capped');
  });

  it('stops every offer at the global cap', () => {
    const settings = offerSettingsSchema.parse({ holdoutShare: 0, caps: { perSession: 1 } });

    const decision = decide([fallback], input({ settings, served: { byOffer: new Map(), total: served({ perSession: 1 }) } }));

    expect(decision.offer).toBeNull();
    expect(decision.assignment).toBeNull();
    expect(decision.summary).toBe("no offer: the site's cap across offers is reached (1 per session)");
  });
});

describe('decide control groups and variants', () => {
  it('holds back the control group', () => {
    const subject = visitorWhere((id) => bucketOf(SITE, 'measured', 'control', id) < 1000);

    const decision = decide([offer({ id: 'measured', controlShare: 0.1 })], input({ subject }));

    expect(decision.offer).toBeNull();
    expect(decision.assignment).toEqual({ offerId: 'measured', group: 'control' });
    expect(decision.assign).toContainEqual({ offerId: 'measured', variant: null, group: 'control' });
  });

  it('splits the audience by share', () => {
    const measured = offer({ id: 'measured', controlShare: 0.2, variants: [{ id: 'a', weight: 1 }, { id: 'b', weight: 3 }] });
    const counts = { control: 0, a: 0, b: 0 };

    for (let n = 0; n < BUCKETS; n++) {
      const decision = decide([measured], input({ subject: `visitor-${n}` }));
      counts[decision.assignment?.group === 'control' ? 'control' : (decision.offer!.variant as 'a' | 'b')]++;
    }

    // Expected 2,000 control, then 2,000 "a" and 6,000 "b"; a hash spreads within a few percent.
    expect(counts.control).toBeGreaterThan(1850);
    expect(counts.control).toBeLessThan(2150);
    expect(counts.a).toBeGreaterThan(1850);
    expect(counts.a).toBeLessThan(2150);
    expect(counts.b).toBeGreaterThan(5750);
    expect(counts.b).toBeLessThan(6250);
  });

  it('gives the same visitor the same variant', () => {
    const measured = offer({ id: 'measured', variants: [{ id: 'a' }, { id: 'b' }, { id: 'c' }] });

    const first = decide([measured], input({ subject: 'visitor-42' }));
    const second = decide([measured], input({ subject: 'visitor-42' }));

    expect(second.offer?.variant).toBe(first.offer?.variant);
  });

  it('honours a kept variant', () => {
    const measured = offer({ id: 'measured', variants: [{ id: 'a' }, { id: 'b' }] });
    const natural = decide([measured], input()).offer!.variant;
    const other = natural === 'a' ? 'b' : 'a';

    const decision = decide([measured], input({ kept: new Map([['measured', { variant: other, group: 'treatment' }]]) }));

    expect(decision.offer?.variant).toBe(other);
    expect(decision.assign).toEqual([{ offerId: HOLDOUT, variant: null, group: 'treatment' }]);
  });

  it('reassigns a variant that was removed', () => {
    const measured = offer({ id: 'measured', variants: [{ id: 'a' }, { id: 'b' }] });

    const decision = decide([measured], input({ kept: new Map([['measured', { variant: 'gone', group: 'treatment' }]]) }));

    expect(['a', 'b']).toContain(decision.offer?.variant);
    expect(decision.assign.some((made) => made.offerId === 'measured')).toBe(true);
  });

  it('fills variant content from the offer', () => {
    const measured = offer({
      id: 'measured',
      title: 'Shared title',
      code: 'SHARED',
      payload: { image: '/a.png' },
      variants: [{ id: 'only', message: 'Own message', payload: { colour: 'red' } }],
    });

    const decision = decide([measured], input());

    expect(decision.offer).toEqual({ id: 'measured', variant: 'only', title: 'Shared title', message: 'Own message', code: 'SHARED', image: '/a.png', colour: 'red' });
  });
});
