import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './env.js';
import type { Sites } from './sites.js';

/** Seconds a browser may cache the response to a preflight request. */
const PREFLIGHT_MAX_AGE_SECONDS = 86_400;

/**
 * Sets the CORS headers of the public API for origins that some site allows, and responds to
 * preflight requests with 204. Every header is set before the route runs. A header added after
 * the route has built its response makes Hono rebuild the response from its body, which turns
 * @hono/node-server's lightweight response into a full WHATWG Response sent through a stream.
 */
export function publicCors(sites: Sites): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const origin = c.req.header('origin');
    const allowed = origin !== undefined && sites.allowsPreflight(origin, c.req.header('host'));
    c.header('Vary', 'Origin');
    if (allowed) {
      c.header('Access-Control-Allow-Origin', origin);
      // Browsers hide response headers outside the CORS safelist, and the tracker waits for the
      // Retry-After of a 429 or 503.
      c.header('Access-Control-Expose-Headers', 'Retry-After');
    }
    if (c.req.method !== 'OPTIONS') return next();

    if (allowed) {
      c.header('Access-Control-Allow-Methods', 'POST, OPTIONS');
      c.header('Access-Control-Allow-Headers', 'Content-Type');
      c.header('Access-Control-Max-Age', String(PREFLIGHT_MAX_AGE_SECONDS));
    }
    return c.body(null, 204);
  };
}
