import type { Batch, EventInput } from '@patron/protocol';
import { post } from './transport.js';

export interface QueueOptions {
  url: string;
  siteKey: string;
  /** Send once this many events are waiting. */
  maxBatchSize: number;
  /** Send this many milliseconds after the first event waits. */
  flushDelay: number;
  debug: (message: string, detail?: unknown) => void;
}

export interface Queue {
  push(event: EventInput): void;
  /** Sends everything waiting; resolves when the collector has answered (or the send failed). */
  flush(keepalive?: boolean): Promise<void>;
}

/**
 * Holds events until a batch is full or the delay passes, then sends them one batch at a time.
 * A batch that fails for a reason worth retrying goes back to the front of the queue; every event
 * keeps its id, so the collector stores a retried event only once.
 */
export function createQueue(options: QueueOptions): Queue {
  let waiting: EventInput[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let sending: Promise<void> = Promise.resolve();
  let failures = 0;

  const schedule = (delay: number) => {
    if (timer === undefined) timer = setTimeout(() => void flush(), delay);
  };

  const sendBatch = async (events: EventInput[], keepalive: boolean) => {
    const batch: Batch = { siteKey: options.siteKey, sentAt: Date.now(), events };
    let retry = false;
    try {
      const response = await post(options.url, batch, keepalive);
      retry = response.status >= 500 || response.status === 408 || response.status === 429;
      if (!response.ok && !retry) options.debug(`the collector rejected a batch with ${response.status}`, await response.text());
    } catch (error) {
      retry = true;
      options.debug('sending failed, will retry', error);
    }
    if (!retry) {
      failures = 0;
      return;
    }
    waiting = events.concat(waiting);
    failures++;
    // TODO: honour Retry-After and keep unsent events in storage across reloads.
    schedule(Math.min(1000 * 2 ** failures, 60_000));
  };

  const flush = (keepalive = false): Promise<void> => {
    clearTimeout(timer);
    timer = undefined;
    if (keepalive) {
      // The page is going away: start every request now, because awaiting one before the next
      // would leave the rest unsent.
      const events = waiting.splice(0);
      const sends: Array<Promise<void>> = [];
      for (let start = 0; start < events.length; start += options.maxBatchSize) {
        sends.push(sendBatch(events.slice(start, start + options.maxBatchSize), true));
      }
      return Promise.all(sends).then(() => undefined);
    }
    sending = sending.then(async () => {
      while (waiting.length > 0) {
        const events = waiting.splice(0, options.maxBatchSize);
        const before = failures;
        await sendBatch(events, keepalive);
        if (failures > before) return;
      }
    });
    return sending;
  };

  return {
    push(event) {
      waiting.push(event);
      if (waiting.length >= options.maxBatchSize) void flush();
      else schedule(options.flushDelay);
    },
    flush,
  };
}
