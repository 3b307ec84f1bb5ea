import type { OfferResponse } from '@patron/protocol';
import { describe, expect, it } from 'vitest';
import {
  SITE_KEY,
  VISITOR_ID,
  addToCart,
  configInput,
  item,
  openTestCollector,
  pageView,
  responseJson,
  siteInput,
  type TestCollector,
} from '../test/harness.js';

const SECRET = 'secret-key-of-24-characters-at-least';
const welcome = { id: 'welcome', title: 'Welcome', message: 'Take 5% off.', when: { fact: 'visitor.sessions', op: 'gte', value: 0 } } as const;

function openShop(honourPrivacySignals: boolean | undefined): TestCollector {
  return openTestCollector(configInput(siteInput({ honourPrivacySignals, secretKey: SECRET, offers: [welcome] })));
}

/** Rows stored for the site in every table that requests write to. */
function storedRows(collector: TestCollector) {
  const count = (table: string) => collector.sqlite.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
  return { events: count('events'), quarantine: count('quarantine'), profiles: count('profiles'), identities: count('identities'), decisions: count('decisions') };
}

const nothingStored = { events: 0, quarantine: 0, profiles: 0, identities: 0, decisions: 0 };

describe('events under honourPrivacySignals', () => {
  it.each([
    ['Sec-GPC', { 'Sec-GPC': '1' }],
    ['DNT', { DNT: '1' }],
  ])('stores nothing for %s: 1', async (signal, headers) => {
    const collector = openShop(true);

    const response = await collector.sendEvents([pageView(), addToCart([item('teapot', '24.00')]), { type: 'page_view' }], { headers });

    expect(response.status).toBe(200);
    expect(await responseJson(response)).toEqual({ accepted: 0, duplicates: 0, rejected: [], ignored: 3, privacySignal: signal });
    expect(storedRows(collector)).toEqual(nothingStored);
  });

  it.each([
    ['no signal', {}],
    ['Sec-GPC: 0', { 'Sec-GPC': '0' }],
    ['DNT: 0', { DNT: '0' }],
  ])('stores events with %s', async (_case, headers) => {
    const collector = openShop(true);

    const response = await collector.sendEvents([pageView()], { headers });

    expect(await responseJson(response)).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    expect(storedRows(collector).events).toBe(1);
  });

  it.each([
    ['left out', undefined],
    ['false', false],
  ])('ignores the signals when the option is %s', async (_case, option) => {
    const collector = openShop(option);

    const response = await collector.sendEvents([pageView()], { headers: { 'Sec-GPC': '1', DNT: '1' } });

    expect(await responseJson(response)).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    expect(storedRows(collector).events).toBe(1);
  });

  it('still rejects an invalid body', async () => {
    const collector = openShop(true);

    const response = await collector.postJson('/v1/events', { siteKey: SITE_KEY, events: [] }, { 'Sec-GPC': '1' });

    expect(response.status).toBe(400);
  });
});

describe('offers under honourPrivacySignals', () => {
  const requestOffer = (collector: TestCollector, headers: Record<string, string>) =>
    collector.postJson('/v1/offer', { siteKey: SITE_KEY, visitorId: VISITOR_ID, placement: 'banner' }, headers);

  it.each([
    ['Sec-GPC', { 'Sec-GPC': '1' }],
    ['DNT', { DNT: '1' }],
  ])('decides no offer for %s: 1', async (signal, headers) => {
    const collector = openShop(true);

    const response = await requestOffer(collector, headers);

    expect(response.status).toBe(200);
    expect(await responseJson<OfferResponse>(response)).toEqual({
      offer: null,
      assignment: null,
      decisionId: '',
      reasons: [`the request carries ${signal}: 1, which this site honours, so no offer was decided`],
    });
    expect(storedRows(collector)).toEqual(nothingStored);
  });

  it('decides as usual without a signal', async () => {
    const collector = openShop(true);

    const response = await responseJson<OfferResponse>(await requestOffer(collector, {}));

    expect(response.offer?.id).toBe('welcome');
    expect(response.pass).toMatch(/^p1\./);
    expect(storedRows(collector).decisions).toBe(1);
  });

  it('decides as usual when the option is off', async () => {
    const collector = openShop(false);

    const response = await responseJson<OfferResponse>(await requestOffer(collector, { 'Sec-GPC': '1' }));

    expect(response.offer?.id).toBe('welcome');
  });
});
