import type { IncomingMessage, OutgoingHttpHeaders, RequestListener, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { limits, type OfferResponse } from '@patron/protocol';
import { lowestTier, ShedError, type Tier } from '@patron/priority';
import type { Logger } from 'pino';
import { payloadTooLarge } from '../http/body.js';
import { endWithoutDrain } from '../http/drain.js';
import { errorBody } from '../http/errors.js';
import type { Metrics } from '../http/metrics.js';
import type { Sites } from '../http/sites.js';
import type { Admission } from './admission.js';
import type { PurchaseClaims } from './purchase-claims.js';

/** Seconds in the Retry-After of a shed batch: the wait before the client sends the batch again. */
export const RETRY_AFTER_SECONDS = 2;

/** The reason an offer response gives when the request was shed; clients compare it as is. */
export const BUSY_OFFER_REASON = 'the collector is busy, so no offer was decided';

const OVERLOADED_BODY = JSON.stringify(
  errorBody('overloaded', 'The collector is overloaded and stored nothing from this batch; retry after the Retry-After seconds'),
);
const BUSY_OFFER_BODY = JSON.stringify({ offer: null, assignment: null, decisionId: '', reasons: [BUSY_OFFER_REASON] } satisfies OfferResponse);

type Route = 'events' | 'offer';

const routes: Record<string, Route> = { '/v1/events': 'events', '/v1/offer': 'offer' };

export interface EarlyAdmissionOptions {
  admission: Admission;
  /** The configured sites, whose origin check decides the CORS headers of a shed response. */
  sites: Pick<Sites, 'allowsPreflight'>;
  metrics: Pick<Metrics, 'admitted' | 'shed'>;
  purchaseClaims: PurchaseClaims;
  logger: Logger;
  /** Milliseconds an admitted request may take to send the rest of its body; `BODY_DEADLINE_MS` by default. */
  bodyDeadlineMs?: number | undefined;
  /** Milliseconds after admission from which a body still arriving counts as slow; `SLOW_BODY_MS` by default. */
  slowBodyMs?: number | undefined;
}

/**
 * Wraps the request listener of the app so that `POST /v1/events` and `POST /v1/offer` are admitted
 * by tier before any byte of their body is read. The tier comes from the pass in the `pass` query
 * parameter or the `X-Patron-Pass` header, and an event batch with `purchase=1` in its query may be
 * raised to the top tier (see {@link PurchaseClaims}). A shed batch gets 503 with Retry-After,
 * and a shed offer request gets at once the empty response of a busy collector. An admitted request
 * keeps its place until its response is done or its connection closes. Other requests pass straight
 * to the app.
 */
export function withEarlyAdmission(listener: RequestListener, options: EarlyAdmissionOptions): RequestListener {
  const { admission, metrics, purchaseClaims, logger } = options;
  const slowBodies = new SlowBodies();
  const bodyTimes = { deadlineMs: options.bodyDeadlineMs ?? BODY_DEADLINE_MS, slowMs: options.slowBodyMs ?? SLOW_BODY_MS };

  return (request, response) => {
    const url = request.url ?? '/';
    const queryStart = url.indexOf('?');
    const route = request.method === 'POST' ? routeOf(url, queryStart) : undefined;
    if (!route) return listener(request, response);
    // A body declared larger than the limit can never be accepted, so it gets 413 at once, and
    // neither takes a place nor gets a 503 that would make the client send it again.
    if (Number(request.headers['content-length']) > limits.maxBodyBytes) return rejectTooLarge(request, response, options.sites);

    const query = new URLSearchParams(queryStart === -1 ? '' : url.slice(queryStart + 1));
    const check = admission.checkPass(query.get('pass') ?? firstHeader(request, 'x-patron-pass'));
    let tier: Tier = check.valid ? check.claims.tier : lowestTier;
    let claimsPurchase = false;
    if (route === 'events' && tier !== 'platinum' && check.valid && query.get('purchase') === '1') {
      claimsPurchase = purchaseClaims.grant(request, check.claims);
      if (claimsPurchase) tier = 'platinum';
    }

    const admit = (release: () => void) => {
      // A client that gave up while the request waited gets no work done for it.
      if (request.destroyed || response.destroyed) {
        release();
        if (claimsPurchase) purchaseClaims.drop(request);
        return;
      }
      response.once('close', release);
      if (claimsPurchase) response.once('close', () => purchaseClaims.settle(request));
      metrics.admitted.inc({ route, tier });
      if (!request.complete) stopStalledBody(request, response, logger, bodyTimes, slowBodies);
      void listener(request, response);
    };
    const reject = () => {
      // A shed batch was never checked, so its claim counts neither way.
      if (claimsPurchase) purchaseClaims.drop(request);
      metrics.shed.inc({ route, tier });
      shed(request, response, route, options.sites);
    };

    // Most requests are admitted or shed at once, without a promise; the rest wait in their tier's queue.
    const decision = admission.limiter.tryAcquire(tier);
    if (decision === 'closed') return reject();
    if (decision) return admit(decision);
    admission.limiter.acquire(tier).then(admit, (error: unknown) => {
      if (!(error instanceof ShedError)) logger.error({ err: error, route, tier }, 'admission failed, so the request is shed');
      reject();
    });
  };
}

/** Milliseconds an admitted request may take to send the rest of its body. */
export const BODY_DEADLINE_MS = 5_000;

/** Milliseconds after admission from which a body that is still arriving counts as slow. */
export const SLOW_BODY_MS = 500;

/**
 * Slow bodies one client address may have at once. A browser sends an event batch or an offer
 * request in one go, so a few slow bodies at once point to a client that stalls on purpose to hold
 * admission places.
 */
export const MAX_SLOW_BODIES_PER_ADDRESS = 4;

/** Admitted requests per client address whose body is slow. */
class SlowBodies {
  private readonly counts = new Map<string, number>();

  /** Counts one more slow body of `address`; returns false, counting nothing, when it already has the maximum. */
  add(address: string): boolean {
    const count = this.counts.get(address) ?? 0;
    if (count >= MAX_SLOW_BODIES_PER_ADDRESS) return false;
    this.counts.set(address, count + 1);
    return true;
  }

  remove(address: string): void {
    const count = (this.counts.get(address) ?? 1) - 1;
    if (count > 0) this.counts.set(address, count);
    else this.counts.delete(address);
  }
}

/**
 * Ends an admitted request whose body has not arrived `deadlineMs` after admission: 408 and the
 * connection closed. An admitted request keeps its place until its response is done, so
 * clients that send headers and then stall would otherwise shut out everyone else for as long as
 * Node waits for a request. A body still arriving `slowMs` after admission counts as slow. One
 * client address may have at most `MAX_SLOW_BODIES_PER_ADDRESS` of them, and a request beyond
 * that gets the 408 at once, so one address cannot hold the places for the whole deadline.
 */
function stopStalledBody(request: IncomingMessage, response: ServerResponse, logger: Logger, times: { deadlineMs: number; slowMs: number }, slowBodies: SlowBodies): void {
  const address = request.socket.remoteAddress ?? '';
  let counted = false;
  const timeOut = (message: string, reason: string) => {
    // Once the app has responded, the rest of the body is only drained, within limits of its own.
    if (request.complete || response.headersSent) return;
    logger.warn({ path: request.url, address }, reason);
    const body = JSON.stringify(errorBody('request_timeout', message));
    response.writeHead(408, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), Connection: 'close' });
    endWithoutDrain(response, body);
    request.socket.destroy();
  };
  const armedAt = performance.now();
  const slowTimer = setTimeout(() => {
    if (request.complete || response.headersSent) return;
    // A timer this late means the event loop itself is behind, and a body may be waiting unread in
    // the socket, so the body's client is not to blame.
    if (performance.now() - armedAt > 2 * times.slowMs) return;
    counted = slowBodies.add(address);
    if (counted) return;
    timeOut(
      `The request body did not arrive within ${times.slowMs} ms after admission, and this address already has ${MAX_SLOW_BODIES_PER_ADDRESS} slow request bodies; send the whole body at once`,
      'a client address had too many slow request bodies after admission, so one more connection was closed',
    );
  }, times.slowMs);
  const deadlineTimer = setTimeout(
    () =>
      timeOut(
        `The request body did not arrive within ${times.deadlineMs / 1000} s after admission; send the whole body at once`,
        'a request body did not arrive in time after admission, so the connection was closed',
      ),
    times.deadlineMs,
  );
  slowTimer.unref();
  deadlineTimer.unref();
  response.once('close', () => {
    clearTimeout(slowTimer);
    clearTimeout(deadlineTimer);
    if (counted) slowBodies.remove(address);
  });
}

/**
 * Responds to a shed request without reading its body: 503 `overloaded` with Retry-After for a
 * batch, the empty response of a busy collector for an offer request, with the CORS headers the
 * page needs to read them. A body of known size within the collector's limit is read and discarded, so the
 * connection stays open for the next request. Any other body closes the connection.
 */
function shed(request: IncomingMessage, response: ServerResponse, route: Route, sites: EarlyAdmissionOptions['sites']): void {
  if (response.destroyed) return;
  const headers: OutgoingHttpHeaders = { 'Content-Type': 'application/json', ...corsHeaders(request, sites) };
  if (route === 'events') headers['Retry-After'] = String(RETRY_AFTER_SECONDS);

  const length = Number(request.headers['content-length'] ?? Number.NaN);
  if (request.headers['transfer-encoding'] !== undefined || !(length <= limits.maxBodyBytes)) headers.Connection = 'close';
  else request.resume();

  const body = route === 'events' ? OVERLOADED_BODY : BUSY_OFFER_BODY;
  headers['Content-Length'] = Buffer.byteLength(body);
  response.writeHead(route === 'events' ? 503 : 200, headers);
  response.end(body);
}

/**
 * Responds 413 `payload_too_large` without reading the body, and closes the connection once the
 * body has been drained (see `withBodyDrain` in http/drain.ts).
 */
function rejectTooLarge(request: IncomingMessage, response: ServerResponse, sites: EarlyAdmissionOptions['sites']): void {
  const error = payloadTooLarge();
  const body = JSON.stringify(errorBody(error.code, error.message));
  response.writeHead(error.status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    Connection: 'close',
    ...corsHeaders(request, sites),
  });
  response.end(body);
}

/** Returns the CORS headers of a response written here, for the origins that the app's CORS middleware allows. */
function corsHeaders(request: IncomingMessage, sites: EarlyAdmissionOptions['sites']): OutgoingHttpHeaders {
  const origin = request.headers.origin;
  if (!origin || !sites.allowsPreflight(origin, request.headers.host)) return {};
  return { 'Access-Control-Allow-Origin': origin, 'Access-Control-Expose-Headers': 'Retry-After', Vary: 'Origin' };
}

/**
 * Returns the admitted route that the app would serve for this request target. Besides the plain
 * path, it reads the other spellings that reach the same route: an absolute URL, dot segments and
 * percent-encoding, which @hono/node-server and Hono normalize. A client cannot skip admission
 * with them.
 */
function routeOf(url: string, queryStart: number): Route | undefined {
  const route = routes[queryStart === -1 ? url : url.slice(0, queryStart)];
  if (route) return route;
  try {
    return routes[decodeURI(new URL(url, 'http://collector.invalid').pathname)];
  } catch {
    // A target that is not a URL, or malformed percent-encoding, reaches no route of the app.
    return undefined;
  }
}

function firstHeader(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
