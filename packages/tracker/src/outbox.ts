import type { EventInput } from '@patron/protocol';
import { load, save, savedKeys } from './storage.js';

/**
 * Unsent events are saved one key per event, `patron:e:<site>:<timestamp>:<tab>:<id>`. Saved, they
 * survive reloads, crashed tabs and offline periods. One key each lets tabs add and remove events
 * without overwriting each other's changes. The key names the page that recorded the event, and
 * keys sort oldest first because epoch milliseconds have 13 digits from 2001 to 2286.
 */
const prefix = (siteKey: string) => `patron:e:${siteKey}:`;
const droppedKey = (siteKey: string) => `patron:d:${siteKey}`;

/**
 * Saves an event, then drops the oldest saved events while there are more than `maxEvents` or
 * more than `maxChars` characters of them, counting what it dropped.
 */
export function saveEvent(siteKey: string, tab: string, event: EventInput, maxEvents: number, maxChars: number): void {
  save(`${prefix(siteKey)}${event.timestamp}:${tab}:${event.id}`, JSON.stringify(event));
  const keys = savedKeys(prefix(siteKey));
  let chars = keys.reduce((sum, key) => sum + load(key)!.length, 0);
  let dropped = 0;
  while (keys.length - dropped > maxEvents || (chars > maxChars && keys.length - dropped > 1)) {
    chars -= load(keys[dropped]!)!.length;
    save(keys[dropped++]!, null);
  }
  if (dropped) save(droppedKey(siteKey), String(droppedCount(siteKey) + dropped));
}

/** Saved events with the id of the page that recorded each, oldest first. */
export const savedEvents = (siteKey: string): Array<[tab: string, event: EventInput]> =>
  savedKeys(prefix(siteKey)).map((key) => [key.split(':')[4]!, JSON.parse(load(key)!) as EventInput]);

export function deleteEvents(siteKey: string, ids: string[]): void {
  for (const key of savedKeys(prefix(siteKey))) if (ids.includes(key.slice(key.lastIndexOf(':') + 1))) save(key, null);
}

/** Counts the events dropped because the outbox was full, since the last `resetDropped`. */
export const droppedCount = (siteKey: string): number => Number(load(droppedKey(siteKey))) || 0;
export const resetDropped = (siteKey: string): void => save(droppedKey(siteKey), null);
