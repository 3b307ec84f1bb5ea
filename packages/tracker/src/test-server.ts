import type { Batch, EventInput } from '@patron/protocol';
import { vi } from 'vitest';
import type { TrackerOptions } from './tracker.js';

export interface Sent {
  url: string;
  body: unknown;
  init: RequestInit;
}

/**
 * Replaces `fetch` with a recorder that responds with `reply` (200 with `{ accepted }` by default),
 * since happy-dom has no collector to talk to.
 */
export function recordFetch(reply: (url: string, body: unknown) => Response | Promise<Response> = defaultReply) {
  const sent: Sent[] = [];
  const fetch = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = String(input);
    const body = JSON.parse(String(init.body));
    sent.push({ url, body, init });
    return reply(url, body);
  });
  vi.stubGlobal('fetch', fetch);
  return {
    sent,
    /** Every batch sent to /v1/events, in order. */
    batches: () => sent.filter((entry) => entry.url.endsWith('/v1/events')).map((entry) => entry.body as Batch),
    /** Every event sent to /v1/events, in order. */
    events: (): EventInput[] =>
      sent.filter((entry) => entry.url.endsWith('/v1/events')).flatMap((entry) => (entry.body as Batch).events),
  };
}

function defaultReply(url: string, body: unknown): Response {
  if (url.endsWith('/v1/offer')) {
    return Response.json({ offer: null, decisionId: 'decision-1', reasons: ['no offer matched'] });
  }
  return Response.json({ accepted: (body as Batch).events.length, duplicates: 0, rejected: [] });
}

let sites = 0;

/**
 * Options for a tracker of a site no other test uses, because trackers are kept per site for
 * the life of the page. happy-dom reports itself as an automated browser, so bots are tracked.
 */
export function testOptions(options: Partial<TrackerOptions> = {}): TrackerOptions {
  return { endpoint: 'https://collector.test', siteKey: `site-${++sites}`, flushDelay: 10, trackBots: true, ...options };
}
