import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';

/** Bytes of an unread request body that are read and discarded after the response before the socket is ended. */
export const MAX_DRAIN_BYTES = 64 * 1024 * 1024;

/** Milliseconds the rest of an unread request body may take to arrive after the response. */
export const DRAIN_TIMEOUT_MS = 5_000;

export interface DrainOptions {
  maxBytes?: number | undefined;
  timeoutMs?: number | undefined;
}

/**
 * Wraps a request listener so that a response that is ended before the request body has arrived
 * (a 413, a shed batch) leaves the socket open until the client has sent the rest of its body.
 * Node closes the socket as soon as a response with `Connection: close` ends. A client that is
 * still writing then gets EPIPE or ECONNRESET, and the reset can discard the response before the
 * client reads it. So the response is written at once, but it is ended only after the rest of the
 * body was read and discarded, or after `maxBytes` or `timeoutMs`, whichever comes first. A
 * response that keeps the connection open is ended the same way, because Node would have to read
 * the rest of the body before the next request anyway.
 */
export function withBodyDrain(listener: RequestListener, options: DrainOptions = {}): RequestListener {
  const maxBytes = options.maxBytes ?? MAX_DRAIN_BYTES;
  const timeoutMs = options.timeoutMs ?? DRAIN_TIMEOUT_MS;

  return (request, response) => {
    if (hasBody(request)) endAfterBody(request, response, maxBytes, timeoutMs);
    return listener(request, response);
  };
}

function hasBody(request: IncomingMessage): boolean {
  if (request.headers['transfer-encoding'] !== undefined) return true;
  return Number(request.headers['content-length'] ?? 0) !== 0;
}

type EndArguments = [chunk?: unknown, encoding?: unknown, callback?: unknown];

/** The `end` of each response whose `end` was replaced, for {@link endWithoutDrain}. */
const originalEnds = new WeakMap<ServerResponse, ServerResponse['end']>();

/**
 * Ends the response at once, without waiting for the rest of the request body, for a caller that
 * destroys the socket right after, such as the timeout of a stalled body.
 */
export function endWithoutDrain(response: ServerResponse, body: string): void {
  const end = originalEnds.get(response) ?? response.end;
  response.end = end;
  (end as (chunk: string) => ServerResponse).call(response, body);
}

/** Replaces `response.end` for this one response with a version that ends after the body is drained. */
function endAfterBody(request: IncomingMessage, response: ServerResponse, maxBytes: number, timeoutMs: number): void {
  const end = response.end;
  originalEnds.set(response, end);
  response.end = function endAfterDrain(this: ServerResponse, ...args: EndArguments) {
    response.end = end;
    if (request.complete) return end.apply(response, args as Parameters<typeof end>);

    const callback = args.find((arg): arg is () => void => typeof arg === 'function');
    const chunk = typeof args[0] === 'function' ? undefined : args[0];
    const encoding = typeof args[1] === 'string' ? (args[1] as BufferEncoding) : 'utf8';
    if (chunk !== undefined && chunk !== null) {
      // A response that is ended with its whole body gets a Content-Length from Node. Written
      // with write(), it would be sent chunked and look unfinished to the client until the end.
      if (!response.headersSent && !response.hasHeader('content-length') && !response.hasHeader('transfer-encoding')) {
        response.setHeader('Content-Length', Buffer.byteLength(chunk as string | Uint8Array, encoding));
      }
      response.write(chunk as string | Uint8Array, encoding);
    } else if (!response.headersSent && !response.hasHeader('content-length') && response.statusCode !== 204 && response.statusCode !== 304) {
      response.setHeader('Content-Length', 0);
    }

    discardBody(request, maxBytes, timeoutMs, () => {
      // A socket that closed meanwhile has taken the response with it.
      if (!response.destroyed && response.socket && !response.socket.destroyed) (end as (callback?: () => void) => ServerResponse).call(response, callback);
    });
    return response;
  } as typeof end;
}

/**
 * Reads the rest of the request body without keeping it, then calls `done` once the body has
 * ended, the connection has closed, `maxBytes` more bytes arrived, or `timeoutMs` passed.
 */
function discardBody(request: IncomingMessage, maxBytes: number, timeoutMs: number, done: () => void): void {
  let received = 0;
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    request.off('data', onData);
    request.off('end', finish);
    request.off('close', finish);
    request.off('error', finish);
    done();
  };
  const onData = (chunk: Buffer) => {
    received += chunk.length;
    if (received > maxBytes) finish();
  };
  const timer = setTimeout(finish, timeoutMs);
  timer.unref();

  // The app has responded, so no code reads the body any more. A reader it left behind, such as
  // the adapter of @hono/node-server's web stream, would otherwise queue every chunk in memory.
  // Node's own discarding of an unread body removes the 'data' listeners in the same way.
  request.removeAllListeners('data');
  request.on('data', onData);
  request.once('end', finish);
  request.once('close', finish);
  request.once('error', finish);
  request.resume();
}
