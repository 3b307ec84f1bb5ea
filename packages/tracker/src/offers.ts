import { DEBUG } from './debug.js';
import { post } from './transport.js';
import type { OfferResponse } from './types.js';

/** The query parameter that carries a preview token from the admin API, as in `?patron_preview=…`. */
export const PREVIEW_PARAMETER = 'patron_preview';

/** The preview token in the current page's URL, or undefined when there is none. */
export const previewToken = (): string | undefined => new URLSearchParams(location.search).get(PREVIEW_PARAMETER) ?? undefined;

/**
 * Sends waiting events with `flush`, then posts the offer request `body` to `url`. Resolves to the
 * collector's response, or to undefined on a network error, a non-2xx status, or once `timeout`
 * milliseconds have passed. It never rejects.
 *
 * The flush gets at most half of the timeout. When it takes longer, the offer is requested anyway
 * and the decision may miss the latest events, which reach the collector later. At the timeout
 * the request is aborted, and a response that arrives later is never used, even from a fetch
 * that ignores the abort.
 */
export function requestOffer(
  url: string,
  body: string,
  flush: () => Promise<void>,
  timeout: number,
  debug?: (message: string, detail?: unknown) => void,
): Promise<OfferResponse | undefined> {
  const controller = new AbortController();
  const timedOut = new Promise<undefined>((resolve) =>
    setTimeout(() => {
      controller.abort();
      resolve(undefined);
    }, timeout),
  );
  const requested = (async () => {
    try {
      await Promise.race([flush(), new Promise((resolve) => setTimeout(resolve, timeout / 2))]);
      const response = await post(url, body, false, controller.signal);
      if (response.ok) return (await response.json()) as OfferResponse;
      DEBUG && debug!(`the offer request failed with ${response.status}`, await response.text());
    } catch (error) {
      DEBUG && debug!(controller.signal.aborted ? `the offer request timed out after ${timeout} ms` : 'the offer request failed', error);
    }
    return undefined;
  })();
  return Promise.race([timedOut, requested]);
}
