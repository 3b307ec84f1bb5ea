import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { onTestFinished } from 'vitest';

/** One request the receiver got, with what it answered. */
export interface Received {
  path: string;
  deliveryId: string;
  event: string;
  body: Record<string, unknown>;
  rawBody: string;
  signature: string;
  signatureValid: boolean;
  status: number | 'no answer';
  at: number;
}

/** How the receiver answers the n-th request (from 1) to one path; "hang" never answers. */
export type Behaviour = (attempt: number) => { status: number; headers?: Record<string, string> } | 'hang';

/**
 * Starts an HTTP server on 127.0.0.1 that records webhook requests, checks their signature with
 * `secret`, and answers each path as its behaviour says (200 for paths without one). It stops when
 * the current test finishes.
 */
export async function startReceiver(secret: string, behaviours: Record<string, Behaviour> = {}) {
  const received: Received[] = [];
  const attempts = new Map<string, number>();
  const hanging = new Set<ServerResponse>();

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString()));
    request.on('end', () => {
      const path = request.url ?? '/';
      const attempt = (attempts.get(path) ?? 0) + 1;
      attempts.set(path, attempt);
      const answer = behaviours[path]?.(attempt) ?? { status: 200 };
      received.push({
        path,
        deliveryId: String(request.headers['patron-delivery']),
        event: String(request.headers['patron-event']),
        body: JSON.parse(text) as Record<string, unknown>,
        rawBody: text,
        signature: String(request.headers['patron-signature']),
        signatureValid: verify(text, String(request.headers['patron-signature']), secret),
        status: answer === 'hang' ? 'no answer' : answer.status,
        at: Date.now(),
      });
      if (answer === 'hang') {
        hanging.add(response);
        return;
      }
      response.writeHead(answer.status, answer.headers ?? {}).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  onTestFinished(async () => {
    for (const response of hanging) response.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return { url: `http://127.0.0.1:${port}`, received };
}

function verify(body: string, header: string, secret: string): boolean {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  if (!match) return false;
  const expected = createHmac('sha256', secret).update(`${match[1]}.${body}`).digest();
  return timingSafeEqual(expected, Buffer.from(match[2]!, 'hex'));
}
