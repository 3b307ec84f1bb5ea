// The window, document and navigator are read here, guarded, so that importing the package where
// they do not exist (server-side rendering, workers) never throws. Other modules touch browser
// globals such as location, crypto and fetch only inside functions that run in a browser.

export const win: (Window & typeof globalThis) | undefined = typeof window === 'undefined' ? undefined : window;
export const doc: Document | undefined = win?.document;
export const nav: Navigator | undefined = win?.navigator;

/**
 * Current page URL, referrer and title (empty strings when there are none). Callers run only in a
 * browser: the tracker records nothing where `pageSkipReason` finds no window.
 */
export const pageContext = (): { url: string; referrer: string; title: string } => ({
  url: location.href,
  referrer: doc!.referrer,
  title: doc!.title,
});
