import type { OfferResponse } from '@patron/protocol';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { configInput, openTestCollector, purchase, responseJson, siteInput, VISITOR_ID, SESSION_ID, SITE_KEY, type TestCollector } from '../test/harness.js';

const always = { fact: 'visitor.sessions', op: 'gte', value: 0 } as const;
const ADMIN_SECRET = 'a-secret-key-of-24-chars-or-more';

function openShop() {
  return openTestCollector(
    configInput(
      siteInput({
        offers: [{ id: 'basket', title: 'Basket', message: 'Come back', code: 'BACK10', when: always }],
        webhooks: [{ id: 'crm', url: 'http://127.0.0.1:9/hook', events: ['offer.converted'], secret: 'webhook-secret-of-24-chars-at-least' }],
      }),
    ),
  );
}

async function showOffer(collector: TestCollector, agoMs = 0) {
  const decision = await responseJson<OfferResponse>(await collector.postJson('/v1/offer', { siteKey: SITE_KEY, visitorId: VISITOR_ID }));
  const now = Date.now();
  await collector.storeEvents(
    [{ id: randomUUID(), type: 'offer_exposure', visitorId: VISITOR_ID, sessionId: SESSION_ID, timestamp: now - agoMs, decisionId: decision.decisionId, ...decision.assignment }],
    { sentAt: now },
  );
}

const converted = (collector: TestCollector) =>
  collector.rows<{ body: string }>("SELECT body FROM webhook_deliveries WHERE event = 'offer.converted'").map((row) => (JSON.parse(row.body) as { data: Record<string, unknown> }).data);

describe('offer.converted', () => {
  it('follows an exposure in the window', async () => {
    const collector = openShop();
    await showOffer(collector);

    await collector.storeEvents([purchase('order-1', 30)]);

    expect(converted(collector)).toMatchObject([{ offerId: 'basket', variant: 'default', attributedBy: 'last_exposure', order: { transactionId: 'order-1', value: 3000 } }]);
  });

  it('ignores exposures past the window', async () => {
    const collector = openShop();
    await showOffer(collector, 8 * 24 * 60 * 60 * 1000);

    await collector.storeEvents([purchase('order-1', 30)]);

    expect(converted(collector)).toEqual([]);
  });

  it('follows the coupon beyond the window', async () => {
    const collector = openShop();
    await showOffer(collector, 8 * 24 * 60 * 60 * 1000);

    await collector.storeEvents([purchase('order-1', 30, { coupon: 'BACK10' })]);

    expect(converted(collector)).toMatchObject([{ offerId: 'basket', attributedBy: 'coupon' }]);
  });

  it('follows the coupon of an admin API offer', async () => {
    const collector = openTestCollector(
      configInput(
        siteInput({
          secretKey: ADMIN_SECRET,
          offerSettings: { holdoutShare: 0 },
          webhooks: [{ id: 'crm', url: 'http://127.0.0.1:9/hook', events: ['offer.converted'], secret: 'webhook-secret-of-24-chars-at-least' }],
        }),
      ),
    );
    const created = await collector.app.request(`/v1/admin/sites/${SITE_KEY}/offers`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${ADMIN_SECRET}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ id: 'spring', title: 'Spring', message: '15% off', code: 'SPRING15', when: always }),
    });
    expect(created.status).toBe(201);
    await showOffer(collector, 8 * 24 * 60 * 60 * 1000);

    await collector.storeEvents([purchase('order-1', 30, { coupon: 'SPRING15' })]);

    expect(converted(collector)).toMatchObject([{ offerId: 'spring', attributedBy: 'coupon' }]);
  });
});
