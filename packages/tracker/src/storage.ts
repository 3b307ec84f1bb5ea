import { win } from './env.js';

// Values that localStorage refused (Safari private mode, a full quota, blocked storage) or that
// must not be stored yet (consent pending) live here, for this page only.
const memory: Record<string, string> = {};

// False while consent is pending: values then stay in memory. Consent is one decision per page,
// so all trackers of the page share it.
let persisting = true;

let local: Storage | undefined;
try {
  local = win?.localStorage;
} catch {
  // Reading window.localStorage throws when the browser blocks storage.
}

const attempt = <T>(use: () => T): T | undefined => {
  try {
    return use();
  } catch {
    return undefined;
  }
};

/** Reads a saved value, from memory first and then from localStorage. */
export const load = (key: string): string | null => memory[key] ?? attempt(() => local!.getItem(key)) ?? null;

/**
 * Saves a value, or removes it when `value` is null. While storing is not allowed, and when
 * localStorage refuses the value, it stays in memory.
 */
export function save(key: string, value: string | null): void {
  delete memory[key];
  if (value === null) attempt(() => local!.removeItem(key));
  else if (!persisting || !attempt(() => (local!.setItem(key, value), true))) memory[key] = value;
}

/** Saved keys that start with `prefix`, sorted. */
export const savedKeys = (prefix: string): string[] =>
  Object.keys({ ...attempt(() => ({ ...local })), ...memory })
    .filter((key) => key.startsWith(prefix))
    .sort();

export const isPersisting = (): boolean => persisting;

/** Allows or stops storing; allowing moves what was kept in memory into localStorage. */
export function setPersisting(allowed: boolean): void {
  persisting = allowed;
  if (allowed) for (const key of Object.keys(memory)) save(key, memory[key]!);
}
