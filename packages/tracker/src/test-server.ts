import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Batch, EventInput, OfferRequest, OfferResponse } from '@patron/protocol';
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

/** The loopback collector's response to one offer request: a body, or a status with no body. */
export type OfferReply = OfferResponse | { status: number };

export interface LoopbackCollector {
  /** Base URL, such as "http://127.0.0.1:40123", to pass as the tracker's endpoint. */
  url: string;
  /** Every offer request body received, in order. */
  offerRequests: OfferRequest[];
  /** Every event received in batches, in order. */
  events: EventInput[];
  /** Offer requests whose connection closed before the response was sent, such as aborted fetches. */
  abandoned: number;
  /** The `pass` query parameter of every request, in order, or null for a request without one. */
  passes: Array<string | null>;
  /** The `purchase` query parameter of every request, in order, or null for a request without one. */
  purchaseFlags: Array<string | null>;
  stop(): Promise<void>;
}

/**
 * Starts a collector stand-in on 127.0.0.1 that stores event batches and responds to
 * `POST /v1/offer` with `reply(request)`, after `offerDelay` ms, and to `/v1/events` after
 * `eventsDelay` ms. It responds to CORS preflights at once, because happy-dom sends one before every
 * cross-origin request, even a text/plain POST that browsers send without one.
 */
export async function startLoopbackCollector(
  reply: (request: OfferRequest) => OfferReply,
  { offerDelay = 0, eventsDelay = 0 } = {},
): Promise<LoopbackCollector> {
  const collector: LoopbackCollector = { url: '', offerRequests: [], events: [], abandoned: 0, passes: [], purchaseFlags: [], stop: async () => {} };

  const respond = (response: ServerResponse, status: number, body?: unknown) => {
    response.writeHead(status, { 'access-control-allow-origin': '*', 'content-type': 'application/json' });
    response.end(body === undefined ? undefined : JSON.stringify(body));
  };
  const later = (request: IncomingMessage, response: ServerResponse, delay: number, send: () => void) => {
    const timer = setTimeout(send, delay);
    response.once('close', () => {
      if (response.writableEnded) return;
      clearTimeout(timer);
      if (request.url?.startsWith('/v1/offer')) collector.abandoned++;
    });
  };

  const server = createServer(async (request, response) => {
    if (request.method === 'OPTIONS') {
      response.writeHead(204, { 'access-control-allow-origin': '*', 'access-control-allow-methods': 'POST' });
      response.end();
      return;
    }
    let text = '';
    for await (const chunk of request) text += chunk;
    const body = JSON.parse(text);
    const url = new URL(request.url ?? '/', 'http://loopback');
    collector.passes.push(url.searchParams.get('pass'));
    collector.purchaseFlags.push(url.searchParams.get('purchase'));
    if (url.pathname === '/v1/events') {
      later(request, response, eventsDelay, () => {
        collector.events.push(...(body as Batch).events);
        respond(response, 200, { accepted: (body as Batch).events.length, duplicates: 0, rejected: [] });
      });
    } else if (url.pathname === '/v1/offer') {
      collector.offerRequests.push(body as OfferRequest);
      later(request, response, offerDelay, () => {
        const answer = reply(body as OfferRequest);
        if ('status' in answer) respond(response, answer.status);
        else respond(response, 200, answer);
      });
    } else {
      respond(response, 404);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  collector.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  collector.stop = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return collector;
}
