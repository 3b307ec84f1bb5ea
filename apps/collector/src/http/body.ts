import { limits, toIssues } from '@patron/protocol';
import type { Context } from 'hono';
import type { z } from 'zod';
import { HttpError } from './errors.js';

const JSON_TYPES = ['application/json', 'text/plain'];

/**
 * Reads a JSON body sent as `application/json` or `text/plain` (the type browsers may send across
 * origins without a CORS preflight), then validates it. A body over `limits.maxBodyBytes` is a 413
 * and never a parse error.
 */
export async function readJson<T extends z.ZodType>(c: Context, schema: T): Promise<z.output<T>> {
  const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (!JSON_TYPES.includes(type)) {
    throw new HttpError(
      415,
      'unsupported_media_type',
      `Content-Type "${type || '(none)'}" is not supported; send the JSON body as application/json or text/plain`,
    );
  }

  const text = await readText(c);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new HttpError(400, 'invalid_json', `The body is not valid JSON (${(cause as Error).message}); send one JSON object`);
  }

  if (nestingDepth(json) > MAX_DEPTH) {
    throw new HttpError(400, 'invalid_body', `The body nests objects or arrays more than ${MAX_DEPTH} levels deep; send flat properties`);
  }
  const result = schema.safeParse(json);
  if (!result.success) {
    const issues = toIssues(result.error);
    const summary = issues.map((issue) => `${issue.path || '(body)'} ${issue.message}`).join('; ');
    throw new HttpError(400, 'invalid_body', `The body does not match the expected shape: ${summary}`, issues);
  }
  return result.data;
}

/**
 * Reads the body as UTF-8 text within the size limit. A declared Content-Length is checked before any
 * byte is read, and the body then comes through @hono/node-server's direct read, which builds no
 * WHATWG Request. A body sent in chunks is read as a stream and abandoned at the limit.
 */
async function readText(c: Context): Promise<string> {
  const declared = c.req.header('content-length');
  if (declared !== undefined) {
    if (Number(declared) > limits.maxBodyBytes) rejectTooLarge(c);
    return decodeUtf8(new Uint8Array(await c.req.arrayBuffer()));
  }
  const stream = c.req.raw.body;
  if (!stream) return '';
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limits.maxBodyBytes) {
      await reader.cancel();
      rejectTooLarge(c);
    }
    chunks.push(value);
  }
  return decodeUtf8(Buffer.concat(chunks));
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes the body strictly. A lenient decoder would store U+FFFD in place of every invalid byte,
 * so text that a client sent in another encoding would be changed silently instead of rejected.
 */
function decodeUtf8(bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw new HttpError(400, 'invalid_json', 'The body is not valid JSON (it contains bytes that are not valid UTF-8); send one JSON object encoded as UTF-8');
  }
}

/** Marks the connection to close and raises the 413. */
function rejectTooLarge(c: Context): never {
  // The rest of the body is not read here, so the connection cannot carry another request. The
  // server still reads and discards that rest before closing, so the client sees this response.
  c.header('Connection', 'close');
  throw payloadTooLarge();
}

/** Deepest nesting of objects and arrays accepted in a body; events and offers need far less. */
export const MAX_DEPTH = 32;

/** Returns how deeply a parsed JSON value nests objects and arrays, walking it without recursion. */
export function nestingDepth(value: unknown): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    deepest = Math.max(deepest, depth);
    if (deepest > MAX_DEPTH) return deepest;
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return deepest;
}

export const payloadTooLarge = () =>
  new HttpError(
    413,
    'payload_too_large',
    `The body is larger than ${limits.maxBodyBytes} bytes; send fewer events per request, or a smaller offer`,
  );
