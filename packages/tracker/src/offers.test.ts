import nodeConsole from 'node:console';
import { type EventInput, type OfferResponse, parseEvent } from '@patron/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type LoopbackCollector, type OfferReply, recordFetch, startLoopbackCollector, testOptions } from './test-server.js';
import { createTracker, type TrackerOptions } from './tracker.js';

const teapot = { id: 'enamel-teapot', name: 'Enamel teapot', price: '24.00' };
const basketOffer = { id: 'basket-waiting', variant: 'ten-off', title: 'Your basket is waiting', message: 'Take 10% off today.', code: 'BASKET10', link: '/cart/' };

const treatment: OfferResponse = {
  offer: basketOffer,
  assignment: { offerId: 'basket-waiting', variant: 'ten-off', group: 'treatment' },
  decisionId: 'decision-treatment',
  reasons: ['basket-waiting: chosen'],
};
const control: OfferResponse = {
  offer: null,
  assignment: { offerId: 'basket-waiting', group: 'control' },
  decisionId: 'decision-control',
  reasons: ['basket-waiting: in its control group'],
};
const holdout: OfferResponse = { offer: null, assignment: { group: 'holdout' }, decisionId: 'decision-holdout', reasons: ['in the holdout'] };
const noOffer: OfferResponse = { offer: null, assignment: null, decisionId: 'decision-none', reasons: ['no offer matched'] };
const preview: OfferResponse = { offer: basketOffer, assignment: null, decisionId: 'decision-preview', reasons: ['forced preview'] };

let collector: LoopbackCollector | undefined;

/** Starts the loopback collector and a tracker that sends to it. */
async function setUp(reply: (request: unknown) => OfferReply, delays: { offerDelay?: number; eventsDelay?: number } = {}, options: Partial<TrackerOptions> = {}) {
  collector = await startLoopbackCollector(reply, delays);
  // A generous timeout unless a test sets one, so a busy CI machine does not turn offers into null.
  const tracker = createTracker(testOptions({ endpoint: collector.url, flushDelay: 60_000, offerTimeout: 5_000, ...options }));
  return { collector, tracker };
}

const offerEvents = (events: EventInput[]) => events.filter((event) => event.type.startsWith('offer_'));

beforeEach(() => {
  localStorage.clear();
  history.replaceState(null, '', '/');
  // happy-dom logs non-2xx responses and network errors, as browsers do, to the console it was
  // created with: Node's, which vitest replaces with its own before tests run.
  vi.spyOn(nodeConsole, 'error').mockImplementation(() => {});
});
afterEach(async () => {
  await collector?.stop();
  collector = undefined;
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('getOffer', () => {
  it('resolves to the offer with its decision', async () => {
    const { tracker } = await setUp(() => treatment);
    const offer = await tracker.getOffer({ placement: 'banner' });

    expect(offer).toMatchObject({ ...basketOffer, decisionId: 'decision-treatment' });
    expect(offer!.click).toBeTypeOf('function');
    expect(offer!.dismiss).toBeTypeOf('function');
  });

  it('sends waiting events before the offer request', async () => {
    const { collector, tracker } = await setUp(() => noOffer);
    tracker.addToCart(teapot);
    await tracker.getOffer({ placement: 'banner' });

    expect(collector.events.map((event) => event.type)).toEqual(['add_to_cart']);
    expect(collector.offerRequests).toHaveLength(1);
    expect(collector.offerRequests[0]).toMatchObject({
      visitorId: tracker.visitorId,
      placement: 'banner',
      context: { sessionId: tracker.sessionId, url: location.href },
    });
  });

  it.each<[string, OfferResponse]>([
    ['no offer', noOffer],
    ['the control group', control],
    ['the holdout', holdout],
  ])('resolves to null for %s', async (_name, response) => {
    const { tracker } = await setUp(() => response);

    await expect(tracker.getOffer()).resolves.toBeNull();
  });

  it.each<[string, OfferReply]>([
    ['a 503', { status: 503 }],
    ['a 400', { status: 400 }],
  ])('resolves to null on %s', async (_name, reply) => {
    const { tracker } = await setUp(() => reply);

    await expect(tracker.getOffer()).resolves.toBeNull();
  });

  it('resolves to null when the collector is unreachable', async () => {
    const { collector, tracker } = await setUp(() => treatment);
    await collector.stop();

    await expect(tracker.getOffer()).resolves.toBeNull();
  });
});

describe('exposures', () => {
  it.each<[string, OfferResponse, object]>([
    ['treatment', treatment, { decisionId: 'decision-treatment', offerId: 'basket-waiting', variant: 'ten-off', group: 'treatment' }],
    ['control', control, { decisionId: 'decision-control', offerId: 'basket-waiting', group: 'control' }],
    ['holdout', holdout, { decisionId: 'decision-holdout', group: 'holdout' }],
  ])('records one for the %s group', async (_name, response, expected) => {
    const { collector, tracker } = await setUp(() => response);
    await tracker.getOffer();
    await tracker.flush();

    const events = offerEvents(collector.events);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'offer_exposure', ...expected, visitorId: tracker.visitorId });
    expect(parseEvent(events[0])).toMatchObject({ ok: true });
  });

  it('leaves out the offer fields for the holdout', async () => {
    const { collector, tracker } = await setUp(() => holdout);
    await tracker.getOffer();
    await tracker.flush();

    const [exposure] = offerEvents(collector.events);
    expect(exposure).not.toHaveProperty('offerId');
    expect(exposure).not.toHaveProperty('variant');
  });

  it.each<[string, OfferResponse]>([
    ['no offer matched', noOffer],
    ['a preview', preview],
  ])('records none when %s', async (_name, response) => {
    const { collector, tracker } = await setUp(() => response);
    await tracker.getOffer();
    tracker.page();
    await tracker.flush();

    expect(collector.events.map((event) => event.type)).toEqual(['page_view']);
  });
});

describe('click and dismiss', () => {
  it('record the offer events once each', async () => {
    const { collector, tracker } = await setUp(() => treatment);
    const offer = (await tracker.getOffer())!;
    offer.click();
    offer.click();
    offer.dismiss();
    offer.dismiss();
    await tracker.flush();

    const events = offerEvents(collector.events);
    expect(events.map((event) => event.type)).toEqual(['offer_exposure', 'offer_click', 'offer_dismiss']);
    for (const event of events.slice(1)) {
      expect(event).toMatchObject({ decisionId: 'decision-treatment', offerId: 'basket-waiting', variant: 'ten-off', group: 'treatment' });
      expect(parseEvent(event)).toMatchObject({ ok: true });
    }
  });

  it('record once per offer returned', async () => {
    const { collector, tracker } = await setUp(() => treatment);
    (await tracker.getOffer())!.click();
    (await tracker.getOffer())!.click();
    await tracker.flush();

    expect(offerEvents(collector.events).filter((event) => event.type === 'offer_click')).toHaveLength(2);
  });

  it('record nothing for a preview', async () => {
    const { collector, tracker } = await setUp(() => preview);
    const offer = await tracker.getOffer();
    expect(offer).toMatchObject(basketOffer);
    offer!.click();
    offer!.dismiss();
    tracker.page();
    await tracker.flush();

    expect(collector.events.map((event) => event.type)).toEqual(['page_view']);
  });
});

describe('timeout', () => {
  it('resolves to null when the collector is slower than the timeout', async () => {
    const { collector, tracker } = await setUp(() => treatment, { offerDelay: 5_000 });
    const started = performance.now();
    const offer = await tracker.getOffer({ timeout: 200 });
    const elapsed = performance.now() - started;

    expect(offer).toBeNull();
    expect(elapsed).toBeGreaterThanOrEqual(195);
    expect(elapsed).toBeLessThan(450);
    await vi.waitFor(() => expect(collector.abandoned).toBe(1));
  });

  it('uses the offerTimeout option', async () => {
    const { tracker } = await setUp(() => treatment, { offerDelay: 5_000 }, { offerTimeout: 100 });
    const started = performance.now();
    await tracker.getOffer();

    expect(performance.now() - started).toBeLessThan(350);
  });

  it('waits 300 ms by default', async () => {
    const { tracker } = await setUp(() => treatment, { offerDelay: 5_000 }, { offerTimeout: undefined });
    const started = performance.now();
    await tracker.getOffer();
    const elapsed = performance.now() - started;

    expect(elapsed).toBeGreaterThanOrEqual(295);
    expect(elapsed).toBeLessThan(550);
  });

  it('records no exposure for a response that came too late', async () => {
    const { collector, tracker } = await setUp(() => control, { offerDelay: 400 });
    await tracker.getOffer({ timeout: 150 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    tracker.page();
    await tracker.flush();

    expect(collector.events.map((event) => event.type)).toEqual(['page_view']);
  });

  it('holds when fetch ignores the abort', async () => {
    const late = (body: unknown) => new Promise<Response>((resolve) => setTimeout(() => resolve(Response.json(body)), 400));
    const net = recordFetch((url, body) => late(url.endsWith('/v1/offer') ? control : { accepted: (body as { events: [] }).events.length }));
    const tracker = createTracker(testOptions({ flushDelay: 60_000 }));
    const started = performance.now();
    const offer = await tracker.getOffer({ timeout: 150 });
    const elapsed = performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 400));
    tracker.page();
    await tracker.flush();

    expect(offer).toBeNull();
    expect(elapsed).toBeLessThan(350);
    expect(net.events().map((event) => event.type)).toEqual(['page_view']);
  });

  it('requests the offer while a slow flush is still running', async () => {
    const { collector, tracker } = await setUp(() => treatment, { eventsDelay: 5_000 });
    tracker.addToCart(teapot);
    const started = performance.now();
    const offer = await tracker.getOffer({ timeout: 400 });

    expect(offer).toMatchObject({ id: 'basket-waiting' });
    expect(performance.now() - started).toBeLessThan(400);
    expect(collector.offerRequests).toHaveLength(1);
    expect(collector.events).toEqual([]);
  });
});

describe('offer request', () => {
  it('sends a page id that page() renews', async () => {
    const { collector, tracker } = await setUp(() => noOffer);
    await tracker.getOffer();
    await tracker.getOffer();
    tracker.page();
    await tracker.getOffer();

    const [first, second, third] = collector.offerRequests.map((request) => request.context?.pageId);
    expect(first).toMatch(/^[0-9a-f]{32}$/);
    expect(second).toBe(first);
    expect(third).toMatch(/^[0-9a-f]{32}$/);
    expect(third).not.toBe(first);
  });

  it('renews the page id on single-page-app navigation', async () => {
    const { collector, tracker } = await setUp(() => noOffer, {}, { trackPages: true });
    await tracker.getOffer();
    history.pushState(null, '', '/products/enamel-teapot');
    await tracker.getOffer();

    const [before, after] = collector.offerRequests.map((request) => request.context?.pageId);
    expect(after).not.toBe(before);
  });

  it('forwards a preview token from the page URL', async () => {
    history.replaceState(null, '', '/cart/?utm_source=mail&patron_preview=eyJzaXRlIjoiZGVtbyJ9.c2lnbmF0dXJl');
    const { collector, tracker } = await setUp(() => preview);
    await tracker.getOffer();

    expect(collector.offerRequests[0]!.force).toBe('eyJzaXRlIjoiZGVtbyJ9.c2lnbmF0dXJl');
  });

  it('sends no preview token without the parameter', async () => {
    history.replaceState(null, '', '/cart/?utm_source=mail');
    const { collector, tracker } = await setUp(() => noOffer);
    await tracker.getOffer();

    expect(collector.offerRequests[0]).not.toHaveProperty('force');
  });
});

describe('getOffer pass', () => {
  const pass = 'p1.test-shop.visitor.gold.1999999999.signature_-x';
  afterEach(() => {
    document.cookie = 'patron_pass=; path=/; max-age=0';
  });

  it('keeps the pass in a cookie', async () => {
    const { tracker } = await setUp(() => ({ ...treatment, pass }));

    await tracker.getOffer();

    expect(document.cookie).toContain(`patron_pass=${pass}`);
  });

  it('sends the pass with later requests', async () => {
    const { tracker, collector } = await setUp(() => ({ ...treatment, pass }));

    await tracker.getOffer();
    await tracker.flush();

    expect(collector.passes[0]).toBeNull();
    expect(collector.passes.slice(1)).toEqual([pass]);
  });

  it('marks a batch with a purchase', async () => {
    const { tracker, collector } = await setUp(() => ({ ...treatment, pass }));
    await tracker.getOffer();

    tracker.page();
    await tracker.flush();
    tracker.purchase({ transactionId: 'order-1', value: 20, items: [] });
    await tracker.flush();

    expect(collector.passes.slice(1)).toEqual([pass, pass]);
    expect(collector.purchaseFlags).toEqual([null, null, '1']);
  });

  it('sends no purchase mark without a pass', async () => {
    const { tracker, collector } = await setUp(() => noOffer);

    tracker.purchase({ transactionId: 'order-1', value: 20, items: [] });
    await tracker.flush();

    expect(collector.passes).toEqual([null]);
    expect(collector.purchaseFlags).toEqual([null]);
  });
});
