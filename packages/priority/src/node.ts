import type { IncomingMessage, ServerResponse } from 'node:http';
import { createAdmission, type AdmissionOptions } from './admission.js';

type Handler = (request: IncomingMessage, response: ServerResponse) => unknown;

/**
 * Wraps a handler of Node's `http` module with admission by the tier of the request's Patron pass,
 * like the Hono middleware: shed requests get 503 with Retry-After and never reach the handler.
 * The slot is released when the response finishes or the connection closes.
 */
export function withPriority(handler: Handler, options: AdmissionOptions): Handler {
  const admission = createAdmission(options);
  return async (request, response) => {
    const header = request.headers['x-patron-pass'];
    const tier = admission.tierOfRequest(Array.isArray(header) ? header[0] : header, request.headers.cookie);
    let release: () => void;
    try {
      release = await admission.limiter.acquire(tier);
    } catch (error) {
      if (!admission.isShed(error)) throw error;
      response.writeHead(503, { 'Retry-After': String(admission.retryAfterSeconds), 'Content-Type': 'text/plain; charset=utf-8' });
      response.end('The shop is busy; please retry in a moment.');
      return;
    }
    // A client that gave up while the request waited for admission has closed the connection, and
    // the response's 'close' event has already fired, so a listener added now would never release.
    if (response.destroyed || request.destroyed || response.writableEnded) {
      release();
      return;
    }
    response.once('close', release);
    await handler(request, response);
  };
}
