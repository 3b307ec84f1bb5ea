// Load generators of the performance benchmark. The closed loop (autocannon) sends each
// connection's next request when the last response arrives, which finds the maximum throughput.
// The open loop (undici) sends requests on a fixed schedule whatever the responses, which measures
// latency at a given rate.
import autocannon from 'autocannon';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';

/** The header the tracker's sendBeacon and fetch calls send, which needs no CORS preflight. */
const TEXT_PLAIN = 'text/plain;charset=UTF-8';
/** Reason the collector gives for an offer request it shed. Such a 200 counts as shed, not served. */
const BUSY_REASON = 'the collector is busy';

/** Classifies a response: `ok`, `shed` (503, or an offer response with the "busy" reason) or `error`. */
export function classify(status, body) {
  if (status === 503) return 'shed';
  if (status !== 200) return 'error';
  if (body.includes(BUSY_REASON)) return 'shed';
  return 'ok';
}

/**
 * Runs autocannon against `url` for `seconds`, after `warmUpSeconds` of the same load whose
 * results are discarded. Every request gets a new body from `makeBody()`. Returns successes per
 * second (shed and failed responses excluded) and the counts behind it.
 */
export async function closedLoop({ url, makeBody, connections, seconds, warmUpSeconds }) {
  if (warmUpSeconds > 0) await runAutocannon({ url, makeBody, connections, seconds: warmUpSeconds });
  return runAutocannon({ url, makeBody, connections, seconds });
}

async function runAutocannon({ url, makeBody, connections, seconds }) {
  const counts = { ok: 0, shed: 0, error: 0 };
  const statuses = {};
  const result = await autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': TEXT_PLAIN },
    connections,
    duration: seconds,
    requests: [
      {
        setupRequest: (request) => ({ ...request, body: makeBody() }),
        onResponse: (status, body) => {
          counts[classify(status, body)]++;
          statuses[status] = (statuses[status] ?? 0) + 1;
        },
      },
    ],
  });
  const elapsed = result.duration;
  return {
    connections,
    seconds: elapsed,
    perSecond: counts.ok / elapsed,
    ok: counts.ok,
    shed: counts.shed,
    errors: counts.error + result.errors + result.timeouts,
    statuses,
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
  };
}

/** Returns the value at quantile `q` (0 to 1) of sorted numbers, by the nearest rank. */
function quantile(sorted, q) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

/**
 * Sends `rate` requests a second to `url` for `seconds`, after `warmUpSeconds` at the same rate,
 * each on its schedule whatever the earlier responses. A request's latency counts from its
 * scheduled time, so a server that falls behind shows it in the latency instead of slowing the
 * load (no coordinated omission). Requests still unanswered 10 s after the schedule ends count as
 * timed out.
 */
export async function openLoop({ url, makeBody, rate, seconds, warmUpSeconds, connections = 64 }) {
  const { origin, pathname } = new URL(url);
  const pool = new Pool(origin, { connections, pipelining: 1 });
  try {
    if (warmUpSeconds > 0) await schedule({ pool, pathname, makeBody, rate, seconds: warmUpSeconds });
    return await schedule({ pool, pathname, makeBody, rate, seconds });
  } finally {
    await pool.close();
  }
}

const TICK_MS = 1;
const DRAIN_TIMEOUT_MS = 10_000;

async function schedule({ pool, pathname, makeBody, rate, seconds }) {
  const total = Math.round(rate * seconds);
  const latencies = [];
  const counts = { ok: 0, shed: 0, error: 0 };
  const pending = new Set();
  const started = performance.now();

  const send = (scheduledAt) => {
    const request = pool
      .request({ path: pathname, method: 'POST', headers: { 'content-type': TEXT_PLAIN }, body: makeBody() })
      .then(async (response) => {
        const body = await response.body.text();
        const outcome = classify(response.statusCode, body);
        counts[outcome]++;
        if (outcome === 'ok') latencies.push(performance.now() - scheduledAt);
      })
      .catch(() => {
        counts.error++;
      })
      .finally(() => pending.delete(request));
    pending.add(request);
  };

  let sent = 0;
  await new Promise((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (sent < total && started + (sent * 1000) / rate <= now) {
        send(started + (sent * 1000) / rate);
        sent++;
      }
      if (sent < total) setTimeout(tick, TICK_MS);
      else resolve();
    };
    tick();
  });
  const drained = Promise.allSettled([...pending]);
  const timedOut = await Promise.race([drained.then(() => false), new Promise((resolve) => setTimeout(() => resolve(true), DRAIN_TIMEOUT_MS).unref())]);

  latencies.sort((a, b) => a - b);
  return {
    rate,
    seconds,
    sent: total,
    ok: counts.ok,
    shed: counts.shed,
    errors: counts.error + (timedOut ? pending.size : 0),
    latencyMs: { p50: quantile(latencies, 0.5), p90: quantile(latencies, 0.9), p99: quantile(latencies, 0.99), max: latencies[latencies.length - 1] ?? NaN },
  };
}
