import type { ErrorEnvelope, OfferRequest, OfferResponse } from '@patron/protocol';
import { describe, expect, it } from 'vitest';
import {
  SESSION_ID,
  SHOP_ORIGIN,
  SITE_KEY,
  VISITOR_ID,
  addToCart,
  configInput,
  item,
  openTestCollector,
  pageView,
  purchase,
  removeFromCart,
  responseJson,
  siteInput,
  type OfferInput,
  type TestCollector,
} from '../../test/harness.js';

const basketWaiting: OfferInput = {
  id: 'basket-waiting',
  title: 'Your basket is waiting',
  message: 'Finish your order today and take 10% off.',
  code: 'BACK10',
  priority: 10,
  when: {
    all: [
      { fact: 'cart.quantity', op: 'gt', value: 0 },
      { fact: 'visitor.returning', op: 'eq', value: true },
    ],
  },
};

const thankYou: OfferInput = {
  id: 'thank-you',
  title: 'Thanks for coming back',
  message: 'Here is free delivery on your next order.',
  link: '/delivery',
  when: { fact: 'orders.beforeThisSession', op: 'gte', value: 1 },
};

/** Matches every visitor, because every visitor has zero or more sessions. */
const always = { fact: 'visitor.sessions', op: 'gte', value: 0 } as const;

const NEXT_SESSION = 'session-2';

function openShop(offers: OfferInput[] = [basketWaiting, thankYou]): TestCollector {
  return openTestCollector(configInput(siteInput({ offers })));
}

async function requestOffer(collector: TestCollector, request: Partial<OfferRequest> = {}): Promise<OfferResponse> {
  const response = await collector.postJson('/v1/offer', {
    siteKey: SITE_KEY,
    visitorId: VISITOR_ID,
    context: { sessionId: SESSION_ID },
    ...request,
  });
  if (response.status !== 200) throw new Error(`POST /v1/offer returned ${response.status}: ${await response.text()}`);
  return responseJson<OfferResponse>(response);
}

const inSession = (sessionId: string) => ({ context: { sessionId } });

describe('POST /v1/offer basket-waiting', () => {
  it('shows to returning visitor with cart', async () => {
    const collector = openShop();
    await collector.storeEvents([addToCart([item('mug', 12)])]);

    const { offer } = await requestOffer(collector, inSession(NEXT_SESSION));

    expect(offer?.id).toBe('basket-waiting');
    expect(offer?.title).toBe(basketWaiting.title);
    expect(offer?.message).toBe(basketWaiting.message);
    expect(offer?.code).toBe('BACK10');
  });

  it('hides in the session that filled the cart', async () => {
    const collector = openShop();
    await collector.storeEvents([addToCart([item('mug', 12)])]);

    const { offer } = await requestOffer(collector, inSession(SESSION_ID));

    expect(offer).toBeNull();
  });

  it('disappears after a purchase', async () => {
    const collector = openShop();
    await collector.storeEvents([addToCart([item('mug', 12)])]);
    await collector.storeEvents([purchase('order-1', 12, { sessionId: NEXT_SESSION })]);

    const { offer } = await requestOffer(collector, inSession(NEXT_SESSION));

    expect(offer).toBeNull();
  });

  it('disappears after the items are removed', async () => {
    const collector = openShop();
    await collector.storeEvents([addToCart([item('mug', 12, 2)])]);
    await collector.storeEvents([removeFromCart([item('mug', 12, 2)], { sessionId: NEXT_SESSION })]);

    const { offer } = await requestOffer(collector, inSession(NEXT_SESSION));

    expect(offer).toBeNull();
  });

  it('stays while some items remain', async () => {
    const collector = openShop();
    await collector.storeEvents([addToCart([item('mug', 12, 2)])]);
    await collector.storeEvents([removeFromCart([item('mug', 12, 1)], { sessionId: NEXT_SESSION })]);

    const { offer } = await requestOffer(collector, inSession(NEXT_SESSION));

    expect(offer?.id).toBe('basket-waiting');
  });

  it('ignores the carts of other visitors', async () => {
    const collector = openShop();
    await collector.storeEvents([addToCart([item('mug', 12)], { visitorId: 'someone-else' })]);
    await collector.storeEvents([pageView()]);

    const { offer } = await requestOffer(collector, inSession(NEXT_SESSION));

    expect(offer).toBeNull();
  });
});

describe('POST /v1/offer thank-you', () => {
  it('shows in a later session', async () => {
    const collector = openShop();
    await collector.storeEvents([purchase('order-1', 30)]);

    const { offer } = await requestOffer(collector, inSession(NEXT_SESSION));

    expect(offer?.id).toBe('thank-you');
    expect(offer?.link).toBe('/delivery');
  });

  it('does not show in the purchasing session', async () => {
    const collector = openShop();
    await collector.storeEvents([purchase('order-1', 30)]);

    const { offer } = await requestOffer(collector, inSession(SESSION_ID));

    expect(offer).toBeNull();
  });
});

/** Reads the explanation stored with a decision, which the page does not receive. */
function explanation(collector: ReturnType<typeof openShop>, decisionId: string): string[] {
  const [row] = collector.rows<{ reasons: string }>('SELECT reasons FROM decisions WHERE id = ?', decisionId);
  return JSON.parse(row!.reasons) as string[];
}

describe('POST /v1/offer decisions', () => {
  it('returns null without cart or orders', async () => {
    const collector = openShop();
    await collector.storeEvents([pageView()]);

    const response = await requestOffer(collector, inSession(NEXT_SESSION));

    expect(response.offer).toBeNull();
    expect(response.reasons).toEqual(['no offer matched']);
    expect(explanation(collector, response.decisionId)).toContain('basket-waiting: did not match (cart.quantity is 0, needs > 0)');
    expect(explanation(collector, response.decisionId)).toContain('thank-you: did not match (orders.beforeThisSession is 0, needs >= 1)');
  });

  it('returns null for a new visitor', async () => {
    const collector = openShop();

    const response = await requestOffer(collector, { visitorId: 'new-visitor' });

    expect(response.offer).toBeNull();
  });

  it('explains the chosen offer', async () => {
    const collector = openShop();
    await collector.storeEvents([addToCart([item('mug', 12)])]);

    const { reasons, decisionId } = await requestOffer(collector, inSession(NEXT_SESSION));
    const stored = explanation(collector, decisionId);

    expect(reasons).toEqual(['basket-waiting: chosen, priority 10, variant default']);
    expect(stored).toContain('basket-waiting: matched (cart.quantity is 1, needs > 0; visitor.returning is true, needs = true)');
    expect(stored).toContain('thank-you: did not match (orders.beforeThisSession is 0, needs >= 1)');
  });

  it('shows no facts to the page', async () => {
    const collector = openShop();
    await collector.storeEvents([addToCart([item('mug', 12)]), purchase('order-1', 12)]);

    const { reasons } = await requestOffer(collector, inSession(NEXT_SESSION));

    expect(reasons.join(' ')).not.toMatch(/cart\.|orders\.|visitor\./);
  });

  it('says when the site has no offers', async () => {
    const collector = openShop([]);

    const response = await requestOffer(collector);

    expect(response.offer).toBeNull();
    expect(explanation(collector, response.decisionId)).toEqual(['the site has no offers', 'no offer matched']);
  });

  it('prefers the higher priority', async () => {
    const low = { id: 'low', title: 'Low', message: 'Low', priority: 1, when: always };
    const high = { id: 'high', title: 'High', message: 'High', priority: 5, when: always };
    const collector = openShop([low, high]);

    const { offer } = await requestOffer(collector);

    expect(offer?.id).toBe('high');
  });

  it('breaks a priority tie by listing order', async () => {
    const first = { id: 'first', title: 'First', message: 'First', when: always };
    const second = { id: 'second', title: 'Second', message: 'Second', when: always };
    const collector = openShop([first, second]);

    const { offer } = await requestOffer(collector);

    expect(offer?.id).toBe('first');
  });

  it('passes the payload to the page', async () => {
    const banner = { id: 'banner', title: 'Banner', message: 'Banner', when: always, payload: { image: '/banner.png' } };
    const collector = openShop([banner]);

    const { offer } = await requestOffer(collector);

    expect(offer?.image).toBe('/banner.png');
  });

  it('compares cart.value in major units', async () => {
    const bigCart = { id: 'big-cart', title: 'Big cart', message: 'Big cart', when: { fact: 'cart.value', op: 'gte', value: 50 } } as const;
    const collector = openShop([bigCart]);
    await collector.storeEvents([addToCart([item('mug', 24.99, 2)])]);

    const below = await requestOffer(collector);
    await collector.storeEvents([addToCart([item('tea', '0.02')])]);
    const at = await requestOffer(collector);

    expect(below.offer).toBeNull();
    expect(explanation(collector, below.decisionId)[0]).toContain('cart.value is 49.98');
    expect(at.offer?.id).toBe('big-cart');
  });

  it('stores the decision', async () => {
    const collector = openShop();
    await collector.storeEvents([addToCart([item('mug', 12)])]);

    const response = await requestOffer(collector, { placement: 'home', context: { sessionId: NEXT_SESSION } });

    const rows = collector.rows<Record<string, unknown>>('SELECT * FROM decisions');
    expect(rows).toHaveLength(1);
    expect(rows[0]?.id).toBe(response.decisionId);
    expect(rows[0]?.site_key).toBe(SITE_KEY);
    expect(rows[0]?.visitor_id).toBe(VISITOR_ID);
    expect(rows[0]?.session_id).toBe(NEXT_SESSION);
    expect(rows[0]?.placement).toBe('home');
    expect(rows[0]?.offer_id).toBe('basket-waiting');
    expect(JSON.parse(String(rows[0]?.reasons))).toContain('basket-waiting: chosen, priority 10, variant default');
    expect(typeof rows[0]?.decided_at).toBe('number');
  });

  it('stores a decision without an offer', async () => {
    const collector = openShop();

    const first = await requestOffer(collector);
    const second = await requestOffer(collector);

    const rows = collector.rows<{ id: string; offer_id: string | null }>('SELECT id, offer_id FROM decisions ORDER BY rowid');
    expect(rows).toEqual([
      { id: first.decisionId, offer_id: null },
      { id: second.decisionId, offer_id: null },
    ]);
    expect(first.decisionId).not.toBe(second.decisionId);
  });
});

describe('POST /v1/offer placements', () => {
  const cartOnly = { id: 'cart-only', title: 'Cart', message: 'Cart', placements: ['cart'], when: always };

  it('shows an offer at its placement', async () => {
    const collector = openShop([cartOnly]);

    const { offer } = await requestOffer(collector, { placement: 'cart' });

    expect(offer?.id).toBe('cart-only');
  });

  it('hides an offer at other placements', async () => {
    const collector = openShop([cartOnly]);

    const response = await requestOffer(collector, { placement: 'home' });

    expect(response.offer).toBeNull();
    expect(explanation(collector, response.decisionId)).toEqual(['cart-only: not shown at placement "home"', 'no offer matched']);
  });

  it('hides a placed offer without placement', async () => {
    const collector = openShop([cartOnly]);

    const { offer } = await requestOffer(collector);

    expect(offer).toBeNull();
  });

  it('tests the placement fact in conditions', async () => {
    const checkout = { id: 'checkout', title: 'Checkout', message: 'Checkout', when: { fact: 'placement', op: 'in', value: ['cart', 'checkout'] } } as const;
    const collector = openShop([checkout]);

    const atCheckout = await requestOffer(collector, { placement: 'checkout' });
    const atHome = await requestOffer(collector, { placement: 'home' });

    expect(atCheckout.offer?.id).toBe('checkout');
    expect(atHome.offer).toBeNull();
  });
});

describe('POST /v1/offer request errors', () => {
  it('rejects an invalid request with 400', async () => {
    const collector = openShop();

    const response = await collector.postJson('/v1/offer', { siteKey: SITE_KEY, visitorId: 'has spaces' });

    expect(response.status).toBe(400);
    const body = await responseJson<ErrorEnvelope>(response);
    expect(body.code).toBe('invalid_body');
    expect(body.issues.map((issue) => issue.path)).toEqual(['visitorId']);
  });

  it('rejects an unknown site with 404', async () => {
    const collector = openShop();

    const response = await collector.postJson('/v1/offer', { siteKey: 'no-such-shop', visitorId: VISITOR_ID });

    expect(response.status).toBe(404);
    const body = await responseJson<ErrorEnvelope>(response);
    expect(body.code).toBe('site_not_found');
    expect(body.message).toContain('"no-such-shop"');
  });

  it('rejects a disallowed origin with 403', async () => {
    const collector = openShop();

    const response = await collector.postJson('/v1/offer', { siteKey: SITE_KEY, visitorId: VISITOR_ID }, { Origin: 'https://evil.example' });

    expect(response.status).toBe(403);
    expect(collector.rows('SELECT id FROM decisions')).toHaveLength(0);
  });

  it('accepts an allowed origin', async () => {
    const collector = openShop();

    const response = await collector.postJson('/v1/offer', { siteKey: SITE_KEY, visitorId: VISITOR_ID }, { Origin: SHOP_ORIGIN });

    expect(response.status).toBe(200);
  });
});

describe('POST /v1/offer customer value', () => {
  it('targets a segment and a predicted value', async () => {
    const vip = {
      id: 'vip',
      title: 'For our best customers',
      message: 'Early access',
      when: { all: [{ fact: 'customer.segment', op: 'eq', value: 'champions' }, { fact: 'customer.predictedValue', op: 'gte', value: 100 }] },
    } as const;
    const collector = openShop([vip]);
    await collector.storeEvents([purchase('order-1', 30)]);
    const before = await requestOffer(collector);
    collector.sqlite.prepare("UPDATE profiles SET segment = 'champions', predicted_value = 25000").run();
    const after = await requestOffer(collector);

    expect(before.offer).toBeNull();
    expect(after.offer?.id).toBe('vip');
  });
});

describe('POST /v1/offer facts', () => {
  it('reads page, UTM and device', async () => {
    const campaign = {
      id: 'campaign',
      title: 'From the newsletter',
      message: 'Welcome back',
      when: {
        all: [
          { fact: 'page.path', op: 'startsWith', value: '/sale' },
          { fact: 'utm.source', op: 'eq', value: 'newsletter' },
          { fact: 'visitor.device', op: 'eq', value: 'mobile' },
        ],
      },
    } as const;
    const collector = openShop([campaign]);
    const iphone = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148';

    const onPhone = await collector.postJson(
      '/v1/offer',
      { siteKey: SITE_KEY, visitorId: VISITOR_ID, context: { url: 'https://shop.example/sale/mugs?utm_source=newsletter' } },
      { 'User-Agent': iphone },
    );
    const onDesktop = await collector.postJson(
      '/v1/offer',
      { siteKey: SITE_KEY, visitorId: VISITOR_ID, context: { url: 'https://shop.example/sale/mugs?utm_source=newsletter' } },
      { 'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0' },
    );

    expect((await responseJson<OfferResponse>(onPhone)).offer?.id).toBe('campaign');
    expect((await responseJson<OfferResponse>(onDesktop)).offer).toBeNull();
  });

  it('tests products viewed but not bought', async () => {
    const reminder = { id: 'reminder', title: 'Still thinking?', message: 'The teapot is back in stock.', when: { fact: 'products.viewedNotBought', op: 'contains', value: 'teapot' } } as const;
    const collector = openShop([reminder]);
    const view = (id: string) => ({ ...pageView(), type: 'view_item', items: [{ ...item(id, 10), category: 'Kitchen' }], currency: 'GBP' });
    await collector.storeEvents([view('teapot'), view('mug'), purchase('order-1', 10, { items: [item('mug', 10)] })]);

    const before = await requestOffer(collector);
    await collector.storeEvents([purchase('order-2', 10, { items: [item('teapot', 10)] })]);
    const after = await requestOffer(collector);

    expect(before.offer?.id).toBe('reminder');
    expect(after.offer).toBeNull();
  });

  it('marks a cart abandoned after the idle time', async () => {
    const abandoned = { id: 'abandoned', title: 'Your basket', message: 'Still there.', when: { fact: 'cart.abandoned', op: 'eq', value: true } } as const;
    const collector = openTestCollector(configInput(siteInput({ offers: [abandoned], abandonedCartMinutes: 30 })));
    const now = Date.now();
    await collector.storeEvents([addToCart([item('mug', 12)], { timestamp: now - 10 * 60_000 })], { sentAt: now });
    const fresh = await requestOffer(collector);
    await collector.storeEvents([addToCart([item('jug', 8)], { visitorId: 'visitor-2', timestamp: now - 45 * 60_000 })], { sentAt: now });
    const idle = await requestOffer(collector, { visitorId: 'visitor-2' });

    expect(fresh.offer).toBeNull();
    expect(idle.offer?.id).toBe('abandoned');
  });
});

describe('POST /v1/offer assignments', () => {
  const split = { id: 'split', title: 'Split', message: 'Split', variants: [{ id: 'a' }, { id: 'b' }], when: always };

  it('keeps the variant across identify', async () => {
    const collector = openShop([split]);
    const first = await requestOffer(collector, { visitorId: 'phone' });
    // A second device whose own hash would give the other variant.
    let laptop = '';
    for (let n = 0; !laptop; n++) {
      const probe = await requestOffer(openShop([split]), { visitorId: `laptop-${n}` });
      if (probe.offer?.variant !== first.offer?.variant) laptop = `laptop-${n}`;
    }
    const identify = (visitorId: string) => ({ ...pageView(), type: 'identify', visitorId, userId: 'customer-7' });
    await collector.storeEvents([identify('phone')]);
    await collector.storeEvents([identify(laptop)]);

    const onLaptop = await requestOffer(collector, { visitorId: laptop });

    expect(onLaptop.offer?.variant).toBe(first.offer?.variant);
  });

  it('caps per session over HTTP', async () => {
    const collector = openShop([{ ...basketWaiting, id: 'once', when: always, caps: { perSession: 1 } }]);

    const first = await requestOffer(collector, inSession('s-1'));
    const second = await requestOffer(collector, inSession('s-1'));
    const nextSession = await requestOffer(collector, inSession('s-2'));

    expect(first.offer?.id).toBe('once');
    expect(second.offer).toBeNull();
    expect(nextSession.offer?.id).toBe('once');
  });

  it('caps per page view', async () => {
    const collector = openShop([{ ...basketWaiting, id: 'once', when: always, caps: { perPageView: 1 } }]);
    const onPage = (pageId: string) => ({ context: { sessionId: SESSION_ID, pageId } });

    const first = await requestOffer(collector, onPage('page-1'));
    const samePage = await requestOffer(collector, onPage('page-1'));
    const nextPage = await requestOffer(collector, onPage('page-2'));

    expect(first.offer?.id).toBe('once');
    expect(samePage.offer).toBeNull();
    expect(nextPage.offer?.id).toBe('once');
  });

  it('caps concurrent requests of one page view', async () => {
    const collector = openShop([{ ...basketWaiting, id: 'once', when: always, caps: { perPageView: 1 } }]);
    const onPage = { context: { sessionId: SESSION_ID, pageId: 'page-1' } };

    const answers = await Promise.all([requestOffer(collector, onPage), requestOffer(collector, onPage), requestOffer(collector, onPage)]);

    expect(answers.filter((answer) => answer.offer !== null)).toHaveLength(1);
    expect(collector.rows('SELECT id FROM decisions')).toHaveLength(3);
  });

  it('stores exposures reported by the page', async () => {
    const collector = openShop([split]);
    const decision = await requestOffer(collector);

    await collector.storeEvents([{ ...pageView(), type: 'offer_exposure', decisionId: decision.decisionId, ...decision.assignment }]);
    await collector.storeEvents([{ ...pageView(), type: 'offer_click', decisionId: decision.decisionId, ...decision.assignment }]);

    const rows = collector.rows<{ type: string; offer_id: string; variant: string; group_name: string }>('SELECT type, offer_id, variant, group_name FROM offer_events ORDER BY type');
    expect(rows).toEqual([
      { type: 'offer_click', offer_id: 'split', variant: decision.offer?.variant, group_name: 'treatment' },
      { type: 'offer_exposure', offer_id: 'split', variant: decision.offer?.variant, group_name: 'treatment' },
    ]);
  });
});

describe('offer events from pages', () => {
  const split = { id: 'split', title: 'Split', message: 'Split', variants: [{ id: 'a' }, { id: 'b' }], when: always };

  async function sendOfferEvent(collector: TestCollector, fields: Record<string, unknown>) {
    const response = await collector.sendEvents([{ ...pageView(), type: 'offer_exposure', ...fields }]);
    return responseJson<{ accepted: number; rejected: Array<{ issues: Array<{ path: string; message: string }> }> }>(response);
  }

  it('rejects an invented decision', async () => {
    const collector = openShop([split]);

    const result = await sendOfferEvent(collector, { decisionId: 'made-up', offerId: 'split', variant: 'a', group: 'control' });

    expect(result.accepted).toBe(0);
    expect(result.rejected[0]?.issues[0]?.message).toBe('does not name a decision the collector made for this visitor');
    expect(collector.rows('SELECT * FROM offer_events')).toEqual([]);
    expect(collector.rows('SELECT * FROM quarantine')).toHaveLength(1);
  });

  it('rejects another visitor’s decision', async () => {
    const collector = openShop([split]);
    const decision = await requestOffer(collector, { visitorId: 'someone-else' });

    const result = await sendOfferEvent(collector, { decisionId: decision.decisionId, ...decision.assignment });

    expect(result.accepted).toBe(0);
  });

  it('rejects a changed group', async () => {
    const collector = openShop([split]);
    const decision = await requestOffer(collector);

    const result = await sendOfferEvent(collector, { decisionId: decision.decisionId, ...decision.assignment, group: 'control', variant: undefined });

    expect(result.accepted).toBe(0);
    expect(result.rejected[0]?.issues[0]?.message).toContain("does not match the decision's offer, variant and group");
  });
});

describe('POST /v1/offer durability setting', () => {
  it('leaves the connection syncing fully', async () => {
    const collector = openShop();

    await requestOffer(collector);

    // 2 is FULL: event commits after a decision still wait for the disk.
    expect(collector.sqlite.pragma('synchronous', { simple: true })).toBe(2);
    expect(collector.rows('SELECT id FROM decisions')).toHaveLength(1);
  });
});
