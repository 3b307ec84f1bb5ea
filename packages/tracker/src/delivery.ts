import type { Batch, EventInput } from '@patron/protocol';
import { DEBUG } from './debug.js';
import { nav } from './env.js';
import { randomId } from './ids.js';
import { deleteEvents, droppedCount, resetDropped, savedEvents } from './outbox.js';
import { byteLength, KEEPALIVE_BYTES, post, retryAfter } from './transport.js';

const MAX_BACKOFF_MS = 60_000;
// A page's Web Lock may reach other tabs after its first events do, so an event counts as
// abandoned only when no page holds its owner's lock and it is this old.
const ABANDONED_AFTER_MS = 10_000;

/**
 * Delivers saved events to `url` in batches of at most `maxBatchSize`, `flushDelay` ms after they
 * are recorded, while `canSend` (consent) allows it. Events are deleted only after the collector
 * acknowledged them; a retry sends the same event ids, so the collector stores each event once.
 *
 * Each page sends the events it recorded, and adopts those of pages that are gone. A page is gone
 * when the Web Lock that every page holds while it lives is free. Taking only what no living page owns
 * keeps two tabs from sending the same event: localStorage reaches other tabs with a delay in
 * Chromium, so a tab cannot rely on seeing another tab's deletions at once.
 */
export function createDelivery(
  url: string,
  siteKey: string,
  maxBatchSize: number,
  flushDelay: number,
  canSend: () => boolean,
  debug?: (message: string, detail?: unknown) => void,
) {
  const inFlight = new Set<string>();
  const tab = randomId();
  const lockName = `patron:${siteKey}:`;
  // Held until the page is gone, so that other pages know its events have an owner.
  nav?.locks?.request(lockName + tab, () => new Promise(() => {}));
  let timer: ReturnType<typeof setTimeout> | undefined;
  let failures = 0;
  let pausedUntil = 0;

  const later = (delay: number) => {
    timer ??= setTimeout(flush, delay);
  };

  /** Collects the oldest events not already on their way, up to the batch size and the keepalive budget. */
  const nextBatch = (events: EventInput[]) => {
    const batch: EventInput[] = [];
    let bytes = 200;
    for (const event of events) {
      if (inFlight.has(event.id)) continue;
      bytes += byteLength(JSON.stringify(event)) + 1;
      if (batch.length === maxBatchSize || (bytes > KEEPALIVE_BYTES && batch.length)) break;
      batch.push(event);
    }
    return batch;
  };

  /** Sends one batch; resolves to false when it must be retried later. */
  const send = async (events: EventInput[]): Promise<boolean> => {
    const ids = events.map((event) => event.id);
    const dropped = droppedCount(siteKey);
    const batch: Batch = { siteKey, sentAt: Date.now(), events };
    if (dropped) batch.dropped = dropped;
    const body = JSON.stringify(batch);
    ids.forEach((id) => inFlight.add(id));
    let delay: number | undefined;
    try {
      const response = await post(url, body, byteLength(body) <= KEEPALIVE_BYTES);
      const { status } = response;
      if (status < 500 && status !== 408 && status !== 429) {
        if (status > 299) DEBUG && debug!(`the collector rejected ${ids.length} events with ${status}; they are not resent`, await response.text());
        else if (dropped) resetDropped(siteKey);
        deleteEvents(siteKey, ids);
        failures = 0;
        return true;
      }
      delay = retryAfter(response);
      DEBUG && debug!(`sending failed with ${status}`);
    } catch (error) {
      DEBUG && debug!('sending failed', error);
    } finally {
      ids.forEach((id) => inFlight.delete(id));
    }
    // Exponential backoff with jitter, so that many pages do not retry in step.
    delay ??= Math.min(1000 * 2 ** ++failures, MAX_BACKOFF_MS) * (0.5 + Math.random() / 2);
    pausedUntil = Date.now() + delay;
    later(delay);
    return false;
  };

  const sendAll = async () => {
    // A page's lock may still be pending when it has already saved events.
    const locks = await nav?.locks?.query();
    const living = [...(locks?.held ?? []), ...(locks?.pending ?? [])].map((lock) => lock.name);
    const sendable = () =>
      savedEvents(siteKey)
        .filter(([owner, event]) => owner === tab || (!living.includes(lockName + owner) && event.timestamp < Date.now() - ABANDONED_AFTER_MS))
        .map(([, event]) => event);
    for (let batch; (batch = nextBatch(sendable())).length && (await send(batch)); );
  };

  /**
   * Sends every saved event now, one batch at a time; resolves when done or when a send failed.
   * While a retry waits, it only reschedules, unless `now` (the network came back).
   */
  async function flush(now?: boolean): Promise<void> {
    clearTimeout(timer);
    timer = undefined;
    if (!canSend()) return;
    if (!now && Date.now() < pausedUntil) return later(pausedUntil - Date.now());
    // Without Web Locks (Safari before 15.4), two tabs may send the same event and the collector
    // stores it once. Within a page, events already on their way are never taken again.
    await (nav?.locks ? nav.locks.request(lockName, sendAll) : sendAll());
  }

  return {
    flush,
    /** Sends soon: after the flush delay, or at once when a batch is full. */
    schedule() {
      const waiting = savedEvents(siteKey).length;
      if (waiting >= maxBatchSize) void flush();
      else if (waiting) later(flushDelay);
    },
    /**
     * Sends this page's saved events at once, for a page that is being hidden or closed. The page
     * may be gone before a lock is granted, so it sends only the events it recorded itself. No
     * other page takes those while this one lives.
     */
    flushOnExit() {
      const batch = nextBatch(savedEvents(siteKey).flatMap(([owner, event]) => (owner === tab ? [event] : [])));
      if (canSend() && batch.length) void send(batch);
    },
    tab,
  };
}
