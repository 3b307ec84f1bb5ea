// Every browser global the tracker touches is read here, so that importing the package where
// they do not exist (server-side rendering, workers) never throws.

export const win: (Window & typeof globalThis) | undefined = typeof window === 'undefined' ? undefined : window;
export const doc: Document | undefined = typeof document === 'undefined' ? undefined : document;

const memory: Record<string, string> = {};

/**
 * Reads a saved value from localStorage, or from memory when storage is missing or throws
 * (Safari private mode, blocked cookies).
 */
export function load(key: string): string | null {
  try {
    return win!.localStorage.getItem(key) ?? memory[key] ?? null;
  } catch {
    return memory[key] ?? null;
  }
}

/** Saves a value to localStorage and memory; `null` removes it. */
export function save(key: string, value: string | null): void {
  if (value === null) delete memory[key];
  else memory[key] = value;
  try {
    if (value === null) win!.localStorage.removeItem(key);
    else win!.localStorage.setItem(key, value);
  } catch {
    // Memory still has the value for this page.
  }
}

/** Current page URL, referrer and title, or nothing outside a browser. */
export function pageContext(): { url?: string; referrer?: string; title?: string } {
  if (!win || !doc) return {};
  return { url: win.location.href, referrer: doc.referrer || undefined, title: doc.title || undefined };
}
