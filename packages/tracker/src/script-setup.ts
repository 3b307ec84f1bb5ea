// Sets up the script-tag builds. The script reads its settings from its own <script> element:
//
//   <script src="https://collector.example/patron.js" data-site-key="my-shop" defer></script>
//
// records page views (single-page-app navigations included), and exposes the tracker as
// window.patron. Calls made before it loaded, through the stub
// `window.patron = window.patron || function () { (patron.q = patron.q || []).push(arguments) }`,
// are replayed in order.
import { DEBUG } from './debug.js';
import { doc, win } from './env.js';
import { createTracker, type Tracker, type TrackerOptions } from './tracker.js';

type Stub = ((...args: unknown[]) => void) & { q?: Iterable<unknown>[] };
type Global = { patron?: Tracker | Stub };

/** Creates the tracker from the script tag's attributes; returns nothing when it must not run. */
export function startFromScriptTag(): Tracker | undefined {
  const global = win as unknown as Global | undefined;
  const script = doc?.currentScript as HTMLScriptElement | null | undefined;
  if (!global || !script) return undefined;
  // A second copy of the script on the page must not record everything twice.
  if (global.patron && 'flush' in global.patron) return undefined;

  const data = script.dataset;
  if (!data.siteKey) {
    console.warn('[patron] no data-site-key');
    return undefined;
  }
  const queued = (global.patron as Stub | undefined)?.q ?? [];
  const options: TrackerOptions = {
    siteKey: data.siteKey,
    endpoint: data.endpoint ?? new URL(script.src).origin,
    currency: data.currency,
    consent: data.consent === 'pending' ? 'pending' : undefined,
    cookieDomain: data.cookieDomain,
    trackPages: true,
  };
  // Boolean options: data-hash-routing, data-track-bots, data-honour-privacy-signals, and
  // data-debug in patron.debug.js, the only build with messages to show.
  for (const flag of ['hashRouting', 'trackBots', 'honourPrivacySignals', ...(DEBUG ? (['debug'] as const) : [])] as const) {
    options[flag] = data[flag] !== undefined && data[flag] !== 'false';
  }
  const tracker = createTracker(options);
  global.patron = tracker;

  for (const call of queued) {
    const [method, ...args] = call as [keyof Tracker, ...unknown[]];
    const fn = tracker[method];
    if (typeof fn === 'function') (fn as (...a: unknown[]) => unknown)(...args);
  }
  return tracker;
}
