import { doc } from './env.js';

/** Largest body sent with `keepalive`: browsers allow 64 KiB in flight per page, shared by all requests. */
export const KEEPALIVE_BYTES = 60_000;

/** Name of the first-party cookie that keeps the visitor's pass, which the shop's own servers read too. */
export const PASS_COOKIE = 'patron_pass';

/**
 * Posts a JSON body. A string body is sent as text/plain;charset=UTF-8 by default, which makes a
 * "simple" request that browsers send across origins without a CORS preflight. `keepalive` lets
 * the request finish after the page is closed, and `signal` aborts it. The visitor's pass, when
 * the page has one, goes in the `pass` query parameter, because a custom header would need a
 * preflight. A batch with a purchase event also gets `purchase=1`, so that the collector admits it
 * as top tier before it reads the body. Without a pass the collector ignores `purchase=1`, so it is
 * sent only with one.
 */
export const post = (url: string, body: string, keepalive: boolean, signal?: AbortSignal): Promise<Response> => {
  const pass = doc?.cookie.match(`(^|; )${PASS_COOKIE}=([\\w.-]+)`)?.[2];
  return fetch(pass ? `${url}?pass=${pass}${/"type":"purchase"/.test(body) ? '&purchase=1' : ''}` : url, { method: 'POST', body, keepalive, signal });
};

/**
 * Milliseconds that a `Retry-After` header requests to wait. Only the seconds form is read, which is
 * what the collector sends; an HTTP date gives undefined, so the caller's backoff applies.
 */
export const retryAfter = (response: Response): number | undefined =>
  Number(response.headers.get('retry-after')) * 1000 || undefined;

/** UTF-8 size of a string, which is what the keepalive budget counts. */
export const byteLength = (text: string): number => new Blob([text]).size;
