import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { limits, type BatchResult, type ErrorEnvelope } from '@patron/protocol';
import { describe, expect, it, onTestFinished } from 'vitest';
import { spawnCollector, stopProcess } from '../test/spawn.js';
import { SITE_KEY, configInput, pageView } from '../test/harness.js';

/** Size of the oversized bodies: far above the limit, as a misbehaving client would send. */
const OVERSIZED_BYTES = 20 * 1024 * 1024;
/** Requests per case: without draining, some of them end in EPIPE or ECONNRESET, even on loopback. */
const ATTEMPTS = 10;

interface Reply {
  status: number;
  connection: string | undefined;
  body: string;
}

/** The built `patron serve` over a fresh database. It is stopped when the current test finishes. */
interface TestServer {
  url: string;
}

/**
 * Starts `patron serve` in a process of its own. In the test's own process, client and server
 * share one event loop, which hides the reset that a separate client process gets.
 */
async function startTestCollector(): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'patron-'));
  const configPath = join(dir, 'patron.config.json');
  writeFileSync(configPath, JSON.stringify(configInput()));
  const { child, url } = await spawnCollector(join(dir, 'patron.db'), configPath);
  onTestFinished(async () => {
    await stopProcess(child, 'SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });
  return { url };
}

/**
 * Sends a POST of `size` bytes in 64 KiB writes, with a Content-Length or chunked, on a connection
 * of its own. Rejects with the client's error, such as EPIPE or ECONNRESET, if the server breaks
 * the connection before the response has been read.
 */
function postOversized(collector: TestServer, path: string, size: number, framing: 'content-length' | 'chunked'): Promise<Reply> {
  const url = new URL(path, collector.url);
  const headers: Record<string, string> = { 'Content-Type': 'text/plain' };
  if (framing === 'content-length') headers['Content-Length'] = String(size);

  return new Promise((resolve, reject) => {
    const outgoing = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers, agent: false }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, connection: response.headers.connection, body: text }));
      response.on('error', reject);
    });
    outgoing.on('error', reject);

    const chunk = Buffer.alloc(64 * 1024, 'x');
    let sent = 0;
    const writeMore = () => {
      while (sent < size) {
        sent += chunk.length;
        if (!outgoing.write(chunk)) {
          outgoing.once('drain', writeMore);
          return;
        }
      }
      outgoing.end();
    };
    writeMore();
  });
}

function postBatch(collector: TestServer): Promise<Response> {
  const body = JSON.stringify({ siteKey: SITE_KEY, sentAt: Date.now(), events: [pageView()] });
  return fetch(`${collector.url}/v1/events`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body });
}

describe('oversized request bodies', () => {
  const cases = [
    { path: '/v1/events', framing: 'content-length' },
    { path: '/v1/events', framing: 'chunked' },
    { path: '/v1/offer', framing: 'content-length' },
    { path: '/v1/offer', framing: 'chunked' },
    { path: '/dashboard/login', framing: 'content-length' },
    { path: '/dashboard/login', framing: 'chunked' },
  ] as const;

  for (const { path, framing } of cases) {
    it(`gets 413 for ${path}, ${framing}`, async () => {
      const collector = await startTestCollector();

      for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
        const reply = await postOversized(collector, path, OVERSIZED_BYTES, framing);

        expect(reply.status).toBe(413);
        expect(reply.connection).toBe('close');
        expect((JSON.parse(reply.body) as ErrorEnvelope).code).toBe('payload_too_large');
      }
    });
  }

  it('answers a declared size before the body', async () => {
    const collector = await startTestCollector();
    const url = new URL('/v1/events', collector.url);

    // Only the headers and the first 64 KiB of the declared body are sent.
    const outgoing = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent: false, headers: { 'Content-Type': 'text/plain', 'Content-Length': String(OVERSIZED_BYTES) } });
    onTestFinished(() => {
      outgoing.destroy();
    });
    const reply = new Promise<Reply>((resolve, reject) => {
      outgoing.on('error', reject);
      outgoing.once('response', (response: IncomingMessage) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, connection: response.headers.connection, body: text }));
      });
    });
    outgoing.write(Buffer.alloc(64 * 1024, 'x'));
    const { status, connection, body } = await reply;

    expect(status).toBe(413);
    expect(connection).toBe('close');
    expect((JSON.parse(body) as ErrorEnvelope).message).toBe(`The body is larger than ${limits.maxBodyBytes} bytes; send fewer events per request, or a smaller offer`);
  });

  it('serves a batch after oversized bodies', async () => {
    const collector = await startTestCollector();
    await postOversized(collector, '/v1/events', OVERSIZED_BYTES, 'content-length');
    await postOversized(collector, '/v1/events', OVERSIZED_BYTES, 'chunked');

    const response = await postBatch(collector);

    expect(response.status).toBe(200);
    expect(((await response.json()) as BatchResult).accepted).toBe(1);
  });
});
