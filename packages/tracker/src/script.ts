// The script-tag build. It reads its settings from its own <script> element:
//
//   <script src="https://collector.example/patron.js" data-site-key="my-shop" defer></script>
//
// records a page view, and exposes the tracker as window.patron. Calls made before it loaded,
// through the stub `window.patron = window.patron || function () { (patron.q = patron.q || []).push(arguments) }`,
// are replayed in order.
import { doc, win } from './env.js';
import { createTracker, type Tracker } from './tracker.js';

type Stub = ((...args: unknown[]) => void) & { q?: ArrayLike<unknown>[] };
type Global = { patron?: Tracker | Stub };

function start(): void {
  const global = win as unknown as Global | undefined;
  const script = doc?.currentScript as HTMLScriptElement | null | undefined;
  if (!global || !script) return;
  // A second copy of the script on the page must not record everything twice.
  if (global.patron && 'flush' in global.patron) return;

  const data = script.dataset;
  const siteKey = data.siteKey;
  if (!siteKey) {
    console.warn('[patron] the script tag needs data-site-key="<your site key>"; nothing will be recorded');
    return;
  }
  const tracker = createTracker({
    siteKey,
    endpoint: data.endpoint ?? new URL(script.src).origin,
    currency: data.currency,
    debug: data.debug !== undefined,
  });

  const queued = (global.patron as Stub | undefined)?.q ?? [];
  global.patron = tracker;
  tracker.page();
  for (const call of Array.from(queued)) {
    const [method, ...args] = Array.from(call) as [keyof Tracker, ...unknown[]];
    const fn = tracker[method];
    if (typeof fn === 'function') (fn as (...a: unknown[]) => unknown)(...args);
  }
}

start();
