import type { ErrorEnvelope, OfferResponse } from '@patron/protocol';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bucketOf } from '../../offers/buckets.js';
import type { OffersReport } from '../../offers/report.js';
import { SITE_KEY, configInput, openTestCollector, purchase, responseJson, siteInput, type OfferInput, type TestCollector } from '../../test/harness.js';

const SECRET = 'a-secret-key-of-24-chars-or-more';
const auth = { Authorization: `Bearer ${SECRET}` };
const base = `/v1/admin/sites/${SITE_KEY}`;
const DAY = 24 * 60 * 60 * 1000;

const always = { fact: 'visitor.sessions', op: 'gte', value: 0 } as const;
const fileOffer: OfferInput = { id: 'from-file', title: 'From the file', message: 'Configured in the file.', when: always };

function openAdmin(offers: OfferInput[] = [fileOffer], offerSettings: Record<string, unknown> = { holdoutShare: 0 }) {
  return openTestCollector(configInput(siteInput({ secretKey: SECRET, offers, offerSettings })));
}

async function call(collector: TestCollector, method: string, path: string, body?: unknown) {
  return collector.app.request(`${base}${path}`, {
    method,
    headers: { ...auth, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function requestOffer(collector: TestCollector, visitorId: string, extra: Record<string, unknown> = {}): Promise<OfferResponse> {
  const response = await collector.postJson('/v1/offer', { siteKey: SITE_KEY, visitorId, placement: 'banner', context: { sessionId: `s-${visitorId}` }, ...extra });
  expect(response.status).toBe(200);
  return responseJson<OfferResponse>(response);
}

const apiOffer = (overrides: Partial<OfferInput> = {}): OfferInput => ({
  id: 'spring-sale',
  title: 'Spring sale',
  message: '15% off everything this week.',
  code: 'SPRING15',
  priority: 5,
  when: always,
  ...overrides,
});

describe('offers admin API', () => {
  it('requires the secret key', async () => {
    const collector = openAdmin();

    const response = await collector.app.request(`${base}/offers`);

    expect(response.status).toBe(401);
  });

  it('lists file offers with their source', async () => {
    const collector = openAdmin();

    const body = await responseJson<{ offers: Array<{ id: string; source: string; variants: unknown[] }> }>(await call(collector, 'GET', '/offers'));

    expect(body.offers.map((offer) => [offer.id, offer.source])).toEqual([['from-file', 'file']]);
    expect(body.offers[0]?.variants).toHaveLength(1);
  });

  it('applies a created offer at once', async () => {
    const collector = openAdmin();

    const created = await call(collector, 'POST', '/offers', apiOffer());
    const { offer } = await requestOffer(collector, 'visitor-1');

    expect(created.status).toBe(201);
    expect(offer?.id).toBe('spring-sale');
    expect(offer?.code).toBe('SPRING15');
  });

  it('keeps created offers after a restart', async () => {
    const collector = openAdmin();
    await call(collector, 'POST', '/offers', apiOffer());

    const rows = collector.rows<{ id: string }>('SELECT id FROM offers WHERE site_key = ?', SITE_KEY);

    expect(rows.map((row) => row.id)).toEqual(['spring-sale']);
  });

  it('names the offer and field of an invalid offer', async () => {
    const collector = openAdmin();

    const response = await call(collector, 'POST', '/offers', apiOffer({ controlShare: 0.9, when: { fact: 'cart.value', op: 'gt', value: 'ten' } }));
    const body = await responseJson<ErrorEnvelope>(response);

    expect(response.status).toBe(400);
    expect(body.message).toContain('Invalid offer "spring-sale"');
    expect(body.message).toContain('controlShare');
    expect(body.message).toContain('when.value must be a number for "gt"');
  });

  it('rejects a duplicate id', async () => {
    const collector = openAdmin();

    const response = await call(collector, 'POST', '/offers', apiOffer({ id: 'from-file' }));

    expect(response.status).toBe(409);
  });

  it('replaces, pauses and deletes', async () => {
    const collector = openAdmin();
    await call(collector, 'POST', '/offers', apiOffer());

    const replaced = await call(collector, 'PUT', '/offers/spring-sale', apiOffer({ message: 'Now 20% off.' }));
    const afterReplace = await requestOffer(collector, 'visitor-1');
    const paused = await call(collector, 'PATCH', '/offers/spring-sale', { status: 'paused' });
    const afterPause = await requestOffer(collector, 'visitor-2');
    const deleted = await call(collector, 'DELETE', '/offers/spring-sale');
    const afterDelete = await call(collector, 'GET', '/offers/spring-sale');

    expect(replaced.status).toBe(200);
    expect(afterReplace.offer?.message).toBe('Now 20% off.');
    expect(paused.status).toBe(200);
    expect(afterPause.offer?.id).toBe('from-file');
    expect(deleted.status).toBe(200);
    expect(afterDelete.status).toBe(404);
  });

  it('refuses to change a file offer', async () => {
    const collector = openAdmin();

    const response = await call(collector, 'PATCH', '/offers/from-file', { status: 'paused' });

    expect(response.status).toBe(409);
    expect((await responseJson<ErrorEnvelope>(response)).message).toContain('defined in the configuration file');
  });

  it('rejects a changed id on replace', async () => {
    const collector = openAdmin();
    await call(collector, 'POST', '/offers', apiOffer());

    const response = await call(collector, 'PUT', '/offers/spring-sale', apiOffer({ id: 'summer-sale' }));

    expect(response.status).toBe(400);
  });
});

describe('offer previews', () => {
  const variants: OfferInput = { ...fileOffer, id: 'split', variants: [{ id: 'a' }, { id: 'b' }], when: { fact: 'cart.quantity', op: 'gt', value: 100 } };

  it('forces the offer and variant', async () => {
    const collector = openAdmin([variants]);
    const { token } = await responseJson<{ token: string }>(await call(collector, 'POST', '/offers/split/preview', { variant: 'b' }));

    const response = await requestOffer(collector, 'visitor-1', { force: token });

    expect(response.offer?.id).toBe('split');
    expect(response.offer?.variant).toBe('b');
    expect(response.assignment).toBeNull();
  });

  it('leaves previews out of caps', async () => {
    const collector = openAdmin([variants]);
    const { token } = await responseJson<{ token: string }>(await call(collector, 'POST', '/offers/split/preview', {}));

    await requestOffer(collector, 'visitor-1', { force: token });

    const rows = collector.rows<{ forced: number }>('SELECT forced FROM decisions');
    expect(rows).toEqual([{ forced: 1 }]);
  });

  it('rejects a forged token', async () => {
    const collector = openAdmin([variants]);
    const { token } = await responseJson<{ token: string }>(await call(collector, 'POST', '/offers/split/preview', {}));
    const forged = `${Buffer.from(JSON.stringify({ site: SITE_KEY, offer: 'split', variant: 'a', expires: Date.now() + DAY })).toString('base64url')}.${token.split('.')[1]}`;

    const response = await collector.postJson('/v1/offer', { siteKey: SITE_KEY, visitorId: 'visitor-1', force: forged });

    expect(response.status).toBe(401);
    expect((await responseJson<ErrorEnvelope>(response)).message).toContain('not one this site signed');
  });

  it('rejects a preview of a deleted offer', async () => {
    const collector = openAdmin([]);
    await call(collector, 'POST', '/offers', apiOffer());
    const { token } = await responseJson<{ token: string }>(await call(collector, 'POST', '/offers/spring-sale/preview', {}));
    await call(collector, 'DELETE', '/offers/spring-sale');

    const response = await collector.postJson('/v1/offer', { siteKey: SITE_KEY, visitorId: 'visitor-1', force: token });

    expect(response.status).toBe(401);
    expect((await responseJson<ErrorEnvelope>(response)).message).toContain('which the site no longer has');
  });

  it('rejects an unknown variant', async () => {
    const collector = openAdmin([variants]);

    const response = await call(collector, 'POST', '/offers/split/preview', { variant: 'c' });

    expect(response.status).toBe(400);
    expect((await responseJson<ErrorEnvelope>(response)).message).toContain('has no variant "c"; it has a, b');
  });
});

describe('decision explanations', () => {
  it('explains without recording', async () => {
    const collector = openAdmin([{ ...fileOffer, when: { fact: 'cart.quantity', op: 'gt', value: 0 } }]);

    const response = await call(collector, 'POST', '/decisions/explain', { visitorId: 'visitor-1', placement: 'banner' });
    const body = await responseJson<{ offer: unknown; explanation: string[]; facts: Record<string, unknown>; recorded: boolean }>(response);

    expect(response.status).toBe(200);
    expect(body.offer).toBeNull();
    expect(body.explanation).toContain('from-file: did not match (cart.quantity is 0, needs > 0)');
    expect(body.facts['cart.quantity']).toBe(0);
    expect(collector.rows('SELECT * FROM decisions')).toEqual([]);
    expect(collector.rows('SELECT * FROM assignments')).toEqual([]);
  });

  it('forces through the API', async () => {
    const collector = openAdmin([{ ...fileOffer, when: { fact: 'cart.quantity', op: 'gt', value: 0 } }]);

    const body = await responseJson<{ offer: { id: string } | null }>(
      await call(collector, 'POST', '/decisions/explain', { visitorId: 'visitor-1', force: { offerId: 'from-file' } }),
    );

    expect(body.offer?.id).toBe('from-file');
  });
});

/** Records what the tracker records after a decision: an exposure, `at` milliseconds ago. */
async function expose(collector: TestCollector, visitorId: string, decision: OfferResponse, agoMs = 0) {
  const now = Date.now();
  await collector.storeEvents(
    [{ id: randomUUID(), type: 'offer_exposure', visitorId, sessionId: `s-${visitorId}`, timestamp: now - agoMs, decisionId: decision.decisionId, ...decision.assignment }],
    { sentAt: now },
  );
}

/** Returns `count` visitor ids whose bucket for the offer's control group is below (or not below) `limit`. */
function visitors(count: number, inControl: boolean, limit: number, offerId: string): string[] {
  const found: string[] = [];
  for (let n = 0; found.length < count; n++) {
    const id = `visitor-${n}`;
    if (bucketOf(SITE_KEY, offerId, 'control', id) < limit === inControl) found.push(id);
  }
  return found;
}

describe('offer report', () => {
  const measured: OfferInput = { id: 'basket', title: 'Basket', message: 'Come back.', code: 'BACK10', controlShare: 0.5, when: always };

  it('compares a variant with its control group', async () => {
    const collector = openAdmin([measured]);
    const treated = visitors(4, false, 5000, 'basket');
    const control = visitors(4, true, 5000, 'basket');
    for (const visitorId of treated) await expose(collector, visitorId, await requestOffer(collector, visitorId), visitorId === treated[1] ? 10 * DAY : 0);
    for (const visitorId of control) await expose(collector, visitorId, await requestOffer(collector, visitorId));
    await collector.storeEvents([
      purchase('order-t1', 20, { visitorId: treated[0]!, sessionId: 'later' }),
      purchase('order-t2', 10, { visitorId: treated[1]!, sessionId: 'later', coupon: 'BACK10' }),
      purchase('order-c1', 15, { visitorId: control[0]!, sessionId: 'later' }),
    ]);

    const report = await responseJson<OffersReport>(await call(collector, 'GET', '/offers/report'));
    const [offer] = report.offers;
    const variant = offer!.variants[0]!;

    // Treatment: 4 people, 2 bought (£20 in the window, £10 by coupon 10 days after exposure).
    expect(variant).toMatchObject({ id: 'default', visitors: 4, exposures: 4, conversions: 2, revenue: 3000, revenueSquares: 2000 ** 2 + 1000 ** 2 });
    expect(variant.conversionRate).toBe(0.5);
    expect(variant.revenuePerVisitor).toBe(750);
    // Control: 4 people, 1 bought £15.
    expect(offer!.control).toMatchObject({ visitors: 4, conversions: 1, revenue: 1500, conversionRate: 0.25, revenuePerVisitor: 375 });
    // 0.5 - 0.25 = 0.25; se = sqrt(0.5·0.5/4 + 0.25·0.75/4) = 0.330719; 1.959964 · se = 0.648197.
    expect(variant.comparison?.absoluteUplift).toBeCloseTo(0.25, 10);
    expect(variant.comparison?.absoluteInterval[0]).toBeCloseTo(-0.398197, 5);
    expect(variant.comparison?.absoluteInterval[1]).toBeCloseTo(0.898197, 5);
    // The default minimum of 200 per group outweighs the 58 a 0.25 vs 0.5 difference needs: 196 more.
    expect(variant.comparison?.verdict).toBe('not_enough_data');
    expect(variant.comparison?.moreVisitorsNeeded).toBe(196);
    expect(variant.comparison?.summary).toContain('196');
  });

  it('compares the programme with the holdout', async () => {
    const collector = openAdmin([measured], { holdoutShare: 0.5 });
    const ids = Array.from({ length: 40 }, (_, n) => `visitor-${n}`);
    for (const visitorId of ids) await expose(collector, visitorId, await requestOffer(collector, visitorId));
    const inHoldout = ids.filter((id) => bucketOf(SITE_KEY, 'holdout', id) < 5000);
    await collector.storeEvents([purchase('order-h1', 12, { visitorId: inHoldout[0]!, sessionId: 'later' })]);

    const report = await responseJson<OffersReport>(await call(collector, 'GET', '/offers/report'));

    expect(report.programme.holdout.visitors).toBe(inHoldout.length);
    expect(report.programme.inProgramme.visitors).toBe(ids.length - inHoldout.length);
    expect(report.programme.holdout).toMatchObject({ conversions: 1, revenue: 1200 });
    expect(report.programme.inProgramme.conversions).toBe(0);
  });

  it('counts a coupon used without exposure', async () => {
    const collector = openAdmin([measured]);
    await collector.storeEvents([purchase('order-1', 10, { visitorId: 'never-exposed', coupon: 'BACK10' })]);

    const report = await responseJson<OffersReport>(await call(collector, 'GET', '/offers/report'));

    expect(report.offers[0]?.couponOrdersWithoutExposure).toBe(1);
  });

  it('rejects an invalid since', async () => {
    const collector = openAdmin();

    const response = await call(collector, 'GET', '/offers/report?since=yesterday');

    expect(response.status).toBe(400);
    expect((await responseJson<ErrorEnvelope>(response)).message).toContain('since must be an ISO 8601 date-time');
  });
});
