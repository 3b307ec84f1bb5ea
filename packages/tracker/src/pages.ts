import { win } from './env.js';

/**
 * Calls `onPage` for the current URL and for every later URL of a single-page app: after
 * `history.pushState` and `replaceState` and on back and forward. The same URL twice in a row
 * counts once, and the fragment (#…) counts only with `hashRouting`.
 */
export function watchPages(onPage: () => void, hashRouting: boolean): void {
  if (!win) return;
  const { history } = win;
  let last: string | undefined;
  const check = () => {
    const url = hashRouting ? location.href : location.href.split('#')[0];
    if (url !== last) {
      last = url;
      onPage();
    }
  };

  for (const method of ['pushState', 'replaceState'] as const) {
    const original = history[method];
    history[method] = function (this: History, ...args: Parameters<History['pushState']>) {
      original.apply(this, args);
      check();
    };
  }
  win.addEventListener('popstate', check);
  if (hashRouting) win.addEventListener('hashchange', check);
  check();
}
