import type { OfferResponse } from '@patron/protocol';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bucketOf } from '../../offers/buckets.js';
import type { OffersReport } from '../../offers/report.js';
import { SITE_KEY, configInput, openTestCollector, purchase, responseJson, siteInput, type OfferInput, type TestCollector } from '../../test/harness.js';
import { signIn, tableOf, textOf } from '../testing.js';

const SECRET = 'a-secret-key-of-24-chars-or-more';
const always = { fact: 'visitor.sessions', op: 'gte', value: 0 } as const;
const measured: OfferInput = { id: 'basket', title: 'Your basket is waiting', message: 'Come back.', controlShare: 0.5, when: always };
const unmeasured: OfferInput = { id: 'hello', title: 'Hello', message: 'Welcome.', priority: -1, when: always };

function openOffers(offers: OfferInput[], offerSettings: Record<string, unknown> = { holdoutShare: 0 }) {
  return openTestCollector(configInput(siteInput({ secretKey: SECRET, offers, offerSettings })));
}

/** Requests the visitor's offer and records its exposure, as the tracker does. */
async function decideAndExpose(collector: TestCollector, visitorId: string): Promise<void> {
  const response = await collector.postJson('/v1/offer', { siteKey: SITE_KEY, visitorId, placement: 'banner', context: { sessionId: `s-${visitorId}` } });
  const decision = await responseJson<OfferResponse>(response);
  await collector.storeEvents([{ id: randomUUID(), type: 'offer_exposure', visitorId, sessionId: `s-${visitorId}`, timestamp: Date.now(), decisionId: decision.decisionId, ...decision.assignment }]);
}

/** Returns `count` visitor ids inside (or outside) the offer's control group of share 0.5. */
function visitors(count: number, inControl: boolean): string[] {
  const found: string[] = [];
  for (let n = 0; found.length < count; n++) {
    const id = `visitor-${n}`;
    if (bucketOf(SITE_KEY, 'basket', 'control', id) < 5000 === inControl) found.push(id);
  }
  return found;
}

async function exposeAndBuy(collector: TestCollector, treatedBuyers: number, controlBuyers: number, perGroup = 4) {
  const treated = visitors(perGroup, false);
  const control = visitors(perGroup, true);
  for (const visitorId of [...treated, ...control]) await decideAndExpose(collector, visitorId);
  const buyers = [...treated.slice(0, treatedBuyers), ...control.slice(0, controlBuyers)];
  await collector.storeEvents(buyers.map((visitorId, n) => purchase(`order-${n}`, 20, { visitorId, sessionId: 'later' })));
}

describe('offers page', () => {
  it('shows the report of the admin API', async () => {
    const collector = openOffers([measured]);
    await exposeAndBuy(collector, 2, 1);
    const api = await responseJson<OffersReport>(await collector.app.request('/v1/admin/sites/test-shop/offers/report', { headers: { Authorization: `Bearer ${SECRET}` } }));
    const { page } = await signIn(collector, 'test-shop', SECRET);

    const html = await page('/dashboard/offers');
    const groups = tableOf(html, 'offer-basket');
    const [variant] = api.offers[0]!.variants;

    expect(groups).toEqual([
      ['Shown the offer', String(variant!.visitors), String(variant!.exposures), '0', '0', String(variant!.conversions), '50%', '£40.00', '£10.00'],
      ['Control (shown nothing)', '4', '4', '—', '—', '1', '25%', '£20.00', '£5.00'],
    ]);
    expect(textOf(html)).toContain(variant!.comparison!.summary);
    expect(textOf(html)).toContain('Not enough data yet: about 196 more visitors per group.');
  });

  it('states a verdict once the groups are large enough', async () => {
    const collector = openOffers([measured], { holdoutShare: 0, minVisitorsPerGroup: 1, minimumDetectableEffect: 5 });
    await exposeAndBuy(collector, 8, 0, 8);
    const { page } = await signIn(collector, 'test-shop', SECRET);

    const html = await page('/dashboard/offers');

    expect(html).toContain('data-verdict="better"');
    expect(textOf(html)).toContain('Better than showing nothing: +100.0 points');
    expect(textOf(html)).toContain('Conversion +100 points');
  });

  it('compares the programme with the holdout', async () => {
    const collector = openOffers([measured], { holdoutShare: 0.5 });
    const ids = Array.from({ length: 20 }, (_, n) => `visitor-${n}`);
    for (const visitorId of ids) await decideAndExpose(collector, visitorId);
    const inHoldout = ids.filter((id) => bucketOf(SITE_KEY, 'holdout', id) < 5000);
    const { page } = await signIn(collector, 'test-shop', SECRET);

    const programme = tableOf(await page('/dashboard/offers'), 'programme');

    expect(programme.map((row) => row.slice(0, 2))).toEqual([
      ['In the programme', String(ids.length - inHoldout.length)],
      ['Holdout', String(inHoldout.length)],
    ]);
  });

  it('waits for the first control visitor', async () => {
    const collector = openOffers([measured]);
    const { page } = await signIn(collector, 'test-shop', SECRET);

    const html = await page('/dashboard/offers');

    expect(tableOf(html, 'offer-basket').map((row) => row.slice(0, 3))).toEqual([
      ['Shown the offer', '0', '0'],
      ['Control (shown nothing)', '0', '0'],
    ]);
    expect(textOf(html)).toContain('Not enough data yet: nobody in the control group (50% of the people who match) has been recorded');
  });

  it('explains an offer without a control group', async () => {
    const collector = openOffers([unmeasured]);
    const { page } = await signIn(collector, 'test-shop', SECRET);

    const html = await page('/dashboard/offers');

    expect(textOf(html)).toContain('This offer has no control group, so its effect cannot be measured.');
    expect(html).toContain('<span class="pill active">active</span>');
  });
});
