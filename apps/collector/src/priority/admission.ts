import { monitorEventLoopDelay } from 'node:perf_hooks';
import { PriorityLimiter, ShedError, tierOfPass, type Tier } from '@patron/priority';
import type { Context } from 'hono';
import type { Config } from '../config/schema.js';
import { siteSecret } from '../http/admin-auth.js';

/** Event-loop delay, in milliseconds at the 99th percentile over the last second, above which the collector counts as overloaded. */
const OVERLOADED_LOOP_DELAY_MS = 100;

export interface AdmissionSettings {
  /** Milliseconds a request may take once admitted before the limit shrinks. Default 50. */
  targetLatencyMs?: number;
  /** Milliseconds a request may wait for admission; the top tier waits four times as long. Default 100. */
  maxWaitMs?: number;
  initialLimit?: number;
}

/**
 * Admission of the collector's own ingestion and offer requests by the tier of their pass. The
 * limiter shrinks on slow requests and while the event loop lags, which is how overload shows in
 * a process whose database calls are synchronous.
 */
export function createAdmission(config: Config, settings: AdmissionSettings = {}) {
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  let loopDelayMs = 0;
  const sampler = setInterval(() => {
    loopDelayMs = loopDelay.percentile(99) / 1e6;
    loopDelay.reset();
  }, 1000);
  sampler.unref();

  const sites = new Map(config.sites.map((site) => [site.key, site]));
  const secretOf = (siteKey: string) => {
    const site = sites.get(siteKey);
    return site ? siteSecret(site) : undefined;
  };
  const limiter = new PriorityLimiter({ ...settings, overloaded: () => loopDelayMs > OVERLOADED_LOOP_DELAY_MS });

  return {
    limiter,
    /** The tier of a request's pass: the `pass` query parameter (from the tracker) or the `X-Patron-Pass` header. */
    tierOf(c: Context): Tier {
      return tierOfPass(c.req.query('pass') ?? c.req.header('x-patron-pass'), secretOf);
    },
    /** Resolves with a release function, or with undefined when the request is shed. */
    async admit(tier: Tier): Promise<(() => void) | undefined> {
      try {
        return await limiter.acquire(tier);
      } catch (error) {
        if (error instanceof ShedError) return undefined;
        throw error;
      }
    },
    close() {
      clearInterval(sampler);
      loopDelay.disable();
    },
  };
}

export type Admission = ReturnType<typeof createAdmission>;
