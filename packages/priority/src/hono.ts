import type { MiddlewareHandler } from 'hono';
import { createAdmission, type AdmissionOptions } from './admission.js';

/**
 * Hono middleware that admits requests by the tier of their Patron pass (the `patron_pass` cookie,
 * or an `X-Patron-Pass` header). Under overload it keeps the best customers' requests flowing and
 * answers shed ones with 503 and Retry-After. It reads no database and calls no server.
 */
export function priority(options: AdmissionOptions): MiddlewareHandler {
  const admission = createAdmission(options);
  return async (c, next) => {
    const tier = admission.tierOfRequest(c.req.header('x-patron-pass'), c.req.header('cookie'));
    let release: () => void;
    try {
      release = await admission.limiter.acquire(tier);
    } catch (error) {
      if (!admission.isShed(error)) throw error;
      c.header('Retry-After', String(admission.retryAfterSeconds));
      return c.text('The shop is busy; please retry in a moment.', 503);
    }
    try {
      await next();
    } finally {
      release();
    }
  };
}
