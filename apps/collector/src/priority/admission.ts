import { monitorEventLoopDelay } from 'node:perf_hooks';
import { PriorityLimiter, verifyPass, type PassCheck } from '@patron/priority';
import type { Config } from '../config/schema.js';
import { siteSecret } from '../http/admin-auth.js';

/**
 * Event-loop delay, in milliseconds, above which the collector counts as overloaded: the 90th
 * percentile of how late a 10 ms timer ran within the last {@link LOOP_DELAY_WINDOW_MS}. Under
 * overload every turn of the loop is long, and every request, of any tier, waits about that long
 * before the collector reads it, so the bound stays well below the top tier's 50 ms latency
 * target. The percentile ignores a single stall, such as a garbage collection or a slow commit.
 */
export const OVERLOADED_LOOP_DELAY_MS = 15;
/** Event-loop delay, measured the same way, below which closed tiers reopen. Between the two bounds they stay as they are. */
export const UNDERLOADED_LOOP_DELAY_MS = 5;
/** Resolution of the event-loop delay monitor: its histogram counts this interval in every delay, so it is subtracted. */
const LOOP_DELAY_RESOLUTION_MS = 10;
/** Window over which the event-loop delay is measured, in milliseconds. */
export const LOOP_DELAY_WINDOW_MS = 100;

/**
 * Requests in flight below which a lagging event loop closes no tier. With so few requests, the
 * lag comes from other work, such as another process on the same cores or one slow request, and
 * shedding would save nothing while the tracker's events wait for a retry.
 */
export const MIN_IN_FLIGHT_TO_SHED = 16;

/** Maximum number of valid passes cached, so that their signatures are checked once. The oldest are dropped first. */
const MAX_CACHED_PASSES = 10_000;

export interface AdmissionSettings {
  /** Milliseconds a request may take once admitted before the limit shrinks. Default 50. */
  targetLatencyMs?: number;
  /** Milliseconds a request may wait for admission; the top tier waits four times as long. Default 100. */
  maxWaitMs?: number;
  initialLimit?: number;
  /** The limit of requests in flight never shrinks below this. Default 32. */
  minLimit?: number;
  /** Event-loop delay in milliseconds above which the lowest open tier closes. Default {@link OVERLOADED_LOOP_DELAY_MS}. */
  overloadedLoopDelayMs?: number;
  /** Event-loop delay in milliseconds below which closed tiers reopen. Default {@link UNDERLOADED_LOOP_DELAY_MS}. */
  underloadedLoopDelayMs?: number;
}

/**
 * Admission of the collector's own ingestion and offer requests by the tier of their pass. The
 * limit of requests in flight shrinks when admitted requests are slow. While the event loop lags,
 * which is how overload shows in a process whose database calls are synchronous, the lowest tiers
 * are closed one after the other, bronze first and never the top tier.
 */
export function createAdmission(config: Config, settings: AdmissionSettings = {}) {
  const { overloadedLoopDelayMs = OVERLOADED_LOOP_DELAY_MS, underloadedLoopDelayMs = UNDERLOADED_LOOP_DELAY_MS, ...limiterSettings } = settings;
  const loopDelay = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
  loopDelay.enable();
  let loopDelayMs = 0;
  const sampler = setInterval(() => {
    // No sample at all means the timer did not run in the whole window, so the loop was stalled.
    loopDelayMs = loopDelay.count === 0 ? LOOP_DELAY_WINDOW_MS : Math.max(0, loopDelay.percentile(90) / 1e6 - LOOP_DELAY_RESOLUTION_MS);
    loopDelay.reset();
  }, LOOP_DELAY_WINDOW_MS);
  sampler.unref();

  const sites = new Map(config.sites.map((site) => [site.key, site]));
  const secretOf = (siteKey: string) => {
    const site = sites.get(siteKey);
    return site ? siteSecret(site) : undefined;
  };
  // The floor of 32 keeps group commits large enough to share their fsync among many batches.
  // Under overload, closing the lowest tiers does the shedding, not a smaller limit.
  const limiter: PriorityLimiter = new PriorityLimiter({
    minLimit: 32,
    ...limiterSettings,
    overloaded: () => loopDelayMs > overloadedLoopDelayMs && limiter.active >= MIN_IN_FLIGHT_TO_SHED,
    underloaded: () => loopDelayMs < underloadedLoopDelayMs,
  });
  // Valid passes by their text. A visitor sends the same pass with every request, and a lookup
  // costs far less than the HMAC, which counts when most requests are shed.
  const validPasses = new Map<string, PassCheck & { valid: true }>();

  return {
    limiter,
    /** Checks a pass from the `pass` query parameter (sent by the tracker) or the `X-Patron-Pass` header against the secret key of the site it names. */
    checkPass(pass: string | undefined | null, now = Date.now()): PassCheck {
      const known = pass ? validPasses.get(pass) : undefined;
      if (known && known.claims.expires * 1000 > now) return known;
      const check = verifyPass(pass, secretOf, now);
      if (check.valid && pass) {
        validPasses.set(pass, check);
        if (validPasses.size > MAX_CACHED_PASSES) validPasses.delete(validPasses.keys().next().value!);
      }
      return check;
    },
    close() {
      clearInterval(sampler);
      loopDelay.disable();
    },
  };
}

export type Admission = ReturnType<typeof createAdmission>;
