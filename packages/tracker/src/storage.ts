import { win } from './env.js';

// Values that localStorage refused (Safari private mode, a full quota, blocked storage) or that
// must not be stored yet (consent pending) live here, for this page only.
const memory: Record<string, string> = {};

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
 * Saves a value, or removes it when `value` is null. Without `persist` (no consent yet) the value
 * stays in memory; so does a value that localStorage refuses.
 */
export function save(key: string, value: string | null, persist: boolean): void {
  delete memory[key];
  if (value === null) attempt(() => local!.removeItem(key));
  else if (!persist || !attempt(() => (local!.setItem(key, value), true))) memory[key] = value;
}

/** Saved keys that start with `prefix`, sorted. */
export const savedKeys = (prefix: string): string[] =>
  Object.keys({ ...attempt(() => ({ ...local })), ...memory })
    .filter((key) => key.startsWith(prefix))
    .sort();

/** Moves the values kept in memory under `prefix` into localStorage, once consent is given. */
export function persistAll(prefix: string): void {
  for (const key of Object.keys(memory)) if (key.startsWith(prefix)) save(key, memory[key]!, true);
}
