import type { OfferResponse } from '@patron/protocol';
import { verifyPass } from '@patron/priority';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createApp } from '../app.js';
import { parseConfig } from '../config/load.js';
import { openDatabase } from '../db/open.js';
import { SITE_KEY, configInput, makeTempDir, purchase, responseJson, silentLogger, siteInput } from '../test/harness.js';
import { createAdmission, MIN_IN_FLIGHT_TO_SHED } from './admission.js';

const SECRET = 'site-secret-of-24-chars-at-least';

/** Opens the collector app in process. Admission by tier happens in front of the app, in src/priority/early.ts, and has its own tests. */
function openApp() {
  const config = parseConfig(configInput(siteInput({ secretKey: SECRET, priority: { overrides: [{ customer: 'v:vip-visitor', tier: 'platinum' }] } })));
  const db = openDatabase(`${makeTempDir()}/patron.db`);
  const admission = createAdmission(config);
  onTestFinished(() => admission.close());
  const app = createApp({ db, config, logger: silentLogger(), admission });
  const post = (path: string, body: unknown) => app.request(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return { db, post };
}

const offerFor = (visitorId: string) => ({ siteKey: SITE_KEY, visitorId });

describe('passes from offer responses', () => {
  it('states the override tier', async () => {
    const { post } = openApp();

    const { pass } = await responseJson<OfferResponse>(await post('/v1/offer', offerFor('vip-visitor')));
    const check = verifyPass(pass, () => SECRET);

    expect(check.valid).toBe(true);
    expect(check.valid && check.claims).toMatchObject({ site: SITE_KEY, visitor: 'vip-visitor', tier: 'platinum' });
  });

  it('gives unknown visitors bronze', async () => {
    const { post } = openApp();

    const { pass } = await responseJson<OfferResponse>(await post('/v1/offer', offerFor('stranger')));
    const check = verifyPass(pass, () => SECRET);

    expect(check.valid).toBe(true);
    expect(check.valid && check.claims.tier).toBe('bronze');
  });

  it('raises champions to gold', async () => {
    const { post, db } = openApp();
    await post('/v1/events', { siteKey: SITE_KEY, sentAt: Date.now(), events: [purchase('order-1', 20, { visitorId: 'loyal-one' })] });
    db.$client.prepare("UPDATE profiles SET segment = 'champions', tier = 'silver'").run();

    const { pass } = await responseJson<OfferResponse>(await post('/v1/offer', offerFor('loyal-one')));
    const check = verifyPass(pass, () => SECRET);

    expect(check.valid).toBe(true);
    expect(check.valid && check.claims.tier).toBe('gold');
  });
});

describe('closing tiers on a lagging event loop', () => {
  const lagging = () => {
    // A bound below any measured delay, so the event loop always counts as lagging.
    const admission = createAdmission(parseConfig(configInput()), { overloadedLoopDelayMs: -1 });
    onTestFinished(() => admission.close());
    return admission;
  };
  const wait = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

  it('keeps tiers open with few requests in flight', async () => {
    const admission = lagging();
    const held = [admission.limiter.tryAcquire('bronze'), admission.limiter.tryAcquire('bronze')];

    await wait(600);
    const next = admission.limiter.tryAcquire('bronze');

    expect(held.every((release) => typeof release === 'function')).toBe(true);
    expect(typeof next).toBe('function');
  });

  it('closes bronze with many requests in flight', async () => {
    const admission = lagging();
    for (let n = 0; n < MIN_IN_FLIGHT_TO_SHED; n++) admission.limiter.tryAcquire('gold');

    await wait(600);
    const next = admission.limiter.tryAcquire('bronze');

    expect(next).toBe('closed');
  });
});
