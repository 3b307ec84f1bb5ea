import type { ErrorEnvelope, OfferResponse } from '@patron/protocol';
import { verifyPass } from '@patron/priority';
import { describe, expect, it } from 'vitest';
import { createApp } from '../app.js';
import { parseConfig } from '../config/load.js';
import { openDatabase } from '../db/open.js';
import { SITE_KEY, configInput, makeTempDir, pageView, purchase, responseJson, silentLogger, siteInput } from '../test/harness.js';
import { createAdmission } from './admission.js';

const SECRET = 'site-secret-of-24-chars-at-least';

/** Opens the collector app with an admission limit of 10, of which 8 slots are taken by bronze requests left open. */
async function openBusy() {
  const config = parseConfig(configInput(siteInput({ secretKey: SECRET, priority: { overrides: [{ customer: 'v:vip-visitor', tier: 'platinum' }] } })));
  const db = openDatabase(`${makeTempDir()}/patron.db`);
  const admission = createAdmission(config, { initialLimit: 10, maxWaitMs: 20 });
  const held = await Promise.all(Array.from({ length: 8 }, () => admission.limiter.acquire('bronze')));
  const app = createApp({ db, config, logger: silentLogger(), admission });
  const post = (path: string, body: unknown, query = '') =>
    app.request(`${path}${query}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return { app, db, admission, post, release: () => held.forEach((release) => release()) };
}

const offerFor = (visitorId: string) => ({ siteKey: SITE_KEY, visitorId });

describe('admission in the collector', () => {
  it('sheds bronze events with 503', async () => {
    const { post, release } = await openBusy();

    const response = await post('/v1/events', { siteKey: SITE_KEY, sentAt: Date.now(), events: [pageView()] });
    release();

    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('2');
    expect((await responseJson<ErrorEnvelope>(response)).code).toBe('overloaded');
  });

  it('admits purchases first', async () => {
    const { post, release, db } = await openBusy();

    const response = await post('/v1/events', { siteKey: SITE_KEY, sentAt: Date.now(), events: [purchase('order-1', 20)] });
    release();

    expect(response.status).toBe(200);
    expect(db.$client.prepare('SELECT count(*) AS n FROM orders').get()).toEqual({ n: 1 });
  });

  it('answers a shed offer request at once', async () => {
    const { post, release } = await openBusy();

    const response = await responseJson<OfferResponse>(await post('/v1/offer', offerFor('visitor-1')));
    release();

    expect(response.offer).toBeNull();
    expect(response.reasons).toEqual(['the collector is busy, so no offer was decided']);
  });

  it('admits a platinum pass', async () => {
    const { post, release } = await openBusy();
    release();
    const { pass } = await responseJson<OfferResponse>(await post('/v1/offer', offerFor('vip-visitor')));
    const again = await openBusy();

    const response = await again.post('/v1/events', { siteKey: SITE_KEY, sentAt: Date.now(), events: [pageView({ visitorId: 'vip-visitor' })] }, `?pass=${pass}`);
    again.release();

    expect(response.status).toBe(200);
  });

  it('counts shed requests in metrics', async () => {
    const { app, post, release } = await openBusy();
    await post('/v1/events', { siteKey: SITE_KEY, sentAt: Date.now(), events: [pageView()] });
    release();

    const metrics = await (await app.request('/metrics')).text();

    expect(metrics).toContain('patron_requests_shed_total{route="events",tier="bronze"} 1');
  });
});

describe('passes from offer responses', () => {
  it('states the override tier', async () => {
    const { post, release } = await openBusy();
    release();

    const { pass } = await responseJson<OfferResponse>(await post('/v1/offer', offerFor('vip-visitor')));
    const check = verifyPass(pass, () => SECRET);

    expect(check.valid).toBe(true);
    expect(check.valid && check.claims).toMatchObject({ site: SITE_KEY, visitor: 'vip-visitor', tier: 'platinum' });
  });

  it('gives unknown visitors bronze', async () => {
    const { post, release } = await openBusy();
    release();

    const { pass } = await responseJson<OfferResponse>(await post('/v1/offer', offerFor('stranger')));
    const check = verifyPass(pass, () => SECRET);

    expect(check.valid).toBe(true);
    expect(check.valid && check.claims.tier).toBe('bronze');
  });

  it('raises champions to gold', async () => {
    const { post, release, db } = await openBusy();
    release();
    await post('/v1/events', { siteKey: SITE_KEY, sentAt: Date.now(), events: [purchase('order-1', 20, { visitorId: 'loyal-one' })] });
    db.$client.prepare("UPDATE profiles SET segment = 'champions', tier = 'silver'").run();

    const { pass } = await responseJson<OfferResponse>(await post('/v1/offer', offerFor('loyal-one')));
    const check = verifyPass(pass, () => SECRET);

    expect(check.valid).toBe(true);
    expect(check.valid && check.claims.tier).toBe('gold');
  });
});
