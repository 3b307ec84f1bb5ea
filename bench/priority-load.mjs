// Open-loop load for the admission benchmark (bench/priority.mjs). Requests leave on a fixed
// schedule whether or not earlier ones have had a response, so a slow server faces a growing
// backlog as it would in production. Latency is measured from each request's scheduled time, so a
// request the generator itself sent late counts as slow too.
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';

/** Share of visitors per tier, from the top tier down. */
export const tierMix = [
  ['platinum', 0.05],
  ['gold', 0.15],
  ['silver', 0.3],
  ['bronze', 0.5],
];

/** Share of requests per kind: single page views, offer decisions, and batches with a purchase. */
export const requestMix = [
  ['page_view', 0.85],
  ['offer', 0.13],
  ['purchase', 0.02],
];

/**
 * The classes results are reported by: the visitor's tier for page views and offers, and
 * "purchase" for purchase batches. With passes, these carry `purchase=1`, which the collector
 * admits as top tier whatever the tier of the pass.
 */
export const classes = ['platinum', 'gold', 'silver', 'bronze', 'purchase'];

/** The reason the collector gives in place of an offer decision when it shed the request. */
const BUSY_REASON = 'the collector is busy, so no offer was decided';

const VISITORS_PER_TIER = 200;

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32), so every run sends the same mix. */
function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick(mix, random) {
  let roll = random();
  for (const [value, share] of mix) {
    roll -= share;
    if (roll < 0) return value;
  }
  return mix[mix.length - 1][0];
}

/**
 * Open-loop load client. It records one sample per request: its class, the phase it belongs to,
 * when it was scheduled (milliseconds from the phase's start), its latency in milliseconds, and
 * its outcome. The outcome is "ok", "shed" (503 overloaded, or an offer response with the busy
 * reason), "timeout" (no complete response within the deadline) or "error" (any other status, or
 * a failed connection).
 *
 * A request that misses its deadline counts as a timeout but is left to finish, so its connection
 * stays open and its acknowledgement is still recorded. Aborting it would close the connection,
 * and reconnecting under overload costs both processes more than the request itself. At most
 * `connections` requests are on the wire at once. The rest wait in the generator, in order, and
 * one whose deadline passes there is never sent.
 */
export class LoadClient {
  /**
   * @param {object} options
   * @param {string} options.url the collector's base URL
   * @param {string} options.siteKey
   * @param {(claims: {site: string, visitor: string, tier: string, expires: number}) => string} options.makePass signs a pass for a visitor
   * @param {number} options.connections most requests on the wire at once, each on its own keep-alive connection
   * @param {number} options.deadlineMs a request without a complete response by then counts as failed
   */
  constructor({ url, siteKey, makePass, connections, deadlineMs }) {
    this.siteKey = siteKey;
    this.deadlineMs = deadlineMs;
    this.connections = connections;
    this.pool = new Pool(url, { connections, pipelining: 1, keepAliveTimeout: 30_000, keepAliveMaxTimeout: 60_000 });
    this.onWire = 0;
    /** Requests scheduled while `connections` were busy, oldest first. */
    this.backlog = [];
    this.backlogHead = 0;
    this.random = seededRandom(20_261_204);
    this.runId = Date.now().toString(36);
    this.counter = 0;
    /** Ids of every event the collector acknowledged with 2xx, late or not, to look for in the database. */
    this.acknowledgedEventIds = [];
    /** Status codes and error messages of "error" outcomes, counted, to explain them in the report. */
    this.errors = new Map();

    const expires = Math.floor(Date.now() / 1000) + 3600;
    this.visitorsByTier = Object.fromEntries(
      tierMix.map(([tier]) => [
        tier,
        Array.from({ length: VISITORS_PER_TIER }, (_, index) => {
          const id = `${tier}-${index}`;
          return { id, tier, pass: makePass({ site: siteKey, visitor: id, tier, expires }) };
        }),
      ]),
    );
  }

  /**
   * Sends requests at each phase's rate, one phase after the other without a pause, and resolves
   * once every request has had a response or has timed out.
   *
   * @param {Array<{rate: number, seconds: number}>} phases rates in requests per second
   * @param {{withPasses: boolean}} options without passes every request is bronze to the collector
   * @returns {Promise<{samples: Array<{cls: string, phase: number, at: number, latency: number, outcome: string}>, maxSendLagMs: number}>}
   */
  run(phases, { withPasses }) {
    const samples = [];
    const pending = [];
    let pendingHead = 0;
    let outstanding = 0;
    let maxSendLagMs = 0;
    let phaseIndex = 0;
    let sentInPhase = 0;
    let phaseStart = performance.now();

    return new Promise((resolve) => {
      const finish = (request, outcome) => {
        if (request.done) return;
        request.done = true;
        outstanding--;
        const latency = performance.now() - request.scheduledAt;
        samples.push({
          cls: request.cls,
          phase: request.phase,
          at: request.scheduledAt - request.phaseStart,
          latency,
          outcome: outcome === 'ok' && latency > this.deadlineMs ? 'timeout' : outcome,
        });
        if (phaseIndex === phases.length && outstanding === 0) {
          clearInterval(sweeper);
          resolve({ samples, maxSendLagMs });
        }
      };

      // Counts requests older than the deadline as timeouts; `pending` is in schedule order, so only its head is checked.
      const sweeper = setInterval(() => {
        const now = performance.now();
        while (pendingHead < pending.length) {
          const request = pending[pendingHead];
          if (!request.done && now - request.scheduledAt < this.deadlineMs) break;
          pending[pendingHead++] = undefined;
          if (!request.done) finish(request, 'timeout');
        }
        if (pendingHead > 10_000) {
          pending.splice(0, pendingHead);
          pendingHead = 0;
        }
      }, 10);

      const tick = () => {
        const now = performance.now();
        while (phaseIndex < phases.length) {
          const { rate, seconds } = phases[phaseIndex];
          const interval = 1000 / rate;
          const total = Math.round(rate * seconds);
          const due = Math.min(total, Math.floor((now - phaseStart) / interval) + 1);
          while (sentInPhase < due) {
            const scheduledAt = phaseStart + sentInPhase * interval;
            maxSendLagMs = Math.max(maxSendLagMs, now - scheduledAt);
            const request = this.send(scheduledAt, phaseIndex, phaseStart, withPasses, finish);
            pending.push(request);
            outstanding++;
            sentInPhase++;
          }
          if (sentInPhase < total) break;
          phaseStart += total * interval;
          phaseIndex++;
          sentInPhase = 0;
        }
        if (phaseIndex < phases.length) setTimeout(tick, 1);
        else if (outstanding === 0) {
          clearInterval(sweeper);
          resolve({ samples, maxSendLagMs });
        }
      };
      tick();
    });
  }

  send(scheduledAt, phase, phaseStart, withPasses, finish) {
    const kind = pick(requestMix, this.random);
    const visitors = this.visitorsByTier[pick(tierMix, this.random)];
    const visitor = visitors[Math.floor(this.random() * visitors.length)];
    const id = `${this.runId}-${(this.counter++).toString(36)}`;
    const request = { cls: kind === 'purchase' ? 'purchase' : visitor.tier, kind, visitor, id, withPasses, phase, phaseStart, scheduledAt, done: false, finish };
    if (this.onWire < this.connections) this.dispatch(request);
    else this.backlog.push(request);
    return request;
  }

  dispatch(request) {
    const { kind, visitor, id, withPasses, finish } = request;
    const path = kind === 'offer' ? '/v1/offer' : '/v1/events';
    this.onWire++;
    this.pool
      .request({
        method: 'POST',
        // As the tracker does, a batch with a purchase states it in the query, next to the pass.
        path: withPasses ? `${path}?pass=${visitor.pass}${kind === 'purchase' ? '&purchase=1' : ''}` : path,
        headers: { 'content-type': 'application/json' },
        body: kind === 'offer' ? this.offerBody(visitor, id) : this.batchBody(kind, visitor, id),
      })
      .then(async (response) => {
        const text = await response.body.text();
        finish(request, this.classify(kind, response.statusCode, text, id));
      })
      .catch((error) => {
        this.countError(error.code ?? error.name ?? 'unknown error');
        finish(request, 'error');
      })
      .finally(() => {
        this.onWire--;
        this.dispatchBacklog();
      });
  }

  /** Sends the oldest waiting request that can still meet its deadline, once a connection is free. */
  dispatchBacklog() {
    const now = performance.now();
    while (this.onWire < this.connections && this.backlogHead < this.backlog.length) {
      const request = this.backlog[this.backlogHead];
      this.backlog[this.backlogHead++] = undefined;
      if (request.done || now - request.scheduledAt >= this.deadlineMs) continue;
      this.dispatch(request);
    }
    if (this.backlogHead > 10_000) {
      this.backlog.splice(0, this.backlogHead);
      this.backlogHead = 0;
    }
  }

  classify(kind, status, text, eventId) {
    if (kind === 'offer') {
      if (status !== 200) return this.countError(`offer ${status}`);
      return JSON.parse(text).reasons?.[0] === BUSY_REASON ? 'shed' : 'ok';
    }
    if (status === 503 && text.includes('"overloaded"')) return 'shed';
    if (status < 200 || status > 299) return this.countError(`events ${status}: ${text.slice(0, 120)}`);
    this.acknowledgedEventIds.push(eventId);
    return JSON.parse(text).accepted === 1 ? 'ok' : this.countError(`events ${status}: ${text.slice(0, 120)}`);
  }

  countError(key) {
    this.errors.set(key, (this.errors.get(key) ?? 0) + 1);
    return 'error';
  }

  batchBody(kind, visitor, id) {
    const now = Date.now();
    const base = { id, visitorId: visitor.id, sessionId: `s-${visitor.id}`, timestamp: now, url: 'https://shop.example/products/blue-mug' };
    const event =
      kind === 'purchase'
        ? { ...base, type: 'purchase', transactionId: `t-${id}`, value: '24.90', currency: 'GBP', items: [{ id: 'blue-mug', name: 'Blue mug', price: '12.45', quantity: 2 }] }
        : { ...base, type: 'page_view', title: 'Blue mug | Shop' };
    return JSON.stringify({ siteKey: this.siteKey, sentAt: now, events: [event] });
  }

  offerBody(visitor, id) {
    return JSON.stringify({
      siteKey: this.siteKey,
      visitorId: visitor.id,
      placement: 'home',
      context: { sessionId: `s-${visitor.id}`, pageId: id, url: 'https://shop.example/' },
    });
  }

  /** Waits up to `timeoutMs` for the responses to requests still on the wire, late ones included; resolves with how many are left. */
  async settle(timeoutMs) {
    const deadline = performance.now() + timeoutMs;
    while (this.onWire > 0 && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    return this.onWire;
  }

  /** Waits up to `timeoutMs` for requests still on the wire, then closes every connection. */
  async close(timeoutMs = 5000) {
    await this.settle(timeoutMs);
    await this.pool.destroy();
  }
}
