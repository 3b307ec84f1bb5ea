import { and, asc, eq, lte, notInArray } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Config, SiteConfig } from '../config/schema.js';
import type { Db } from '../db/open.js';
import { webhookDeliveries } from '../db/schema.js';
import { readSecret } from './secret.js';
import { SIGNATURE_HEADER, signatureHeader } from './signature.js';

type Delivery = typeof webhookDeliveries.$inferSelect;

export interface DispatcherOptions {
  /** Milliseconds between looks for due deliveries. Default 1000. */
  pollMs?: number;
  /** Deliveries in flight at once, across endpoints. Default 4. */
  concurrency?: number;
  /** First retry delay in milliseconds, doubled per attempt up to `maxDelayMs`. Default 10 s. */
  baseDelayMs?: number;
  /** Maximum retry delay in milliseconds. Default 1 hour. */
  maxDelayMs?: number;
  /** Source of random numbers for jitter, from 0 to 1; tests pass a fixed one. */
  random?: () => number;
}

export interface AttemptResult {
  ok: boolean;
  status?: number | undefined;
  error?: string | undefined;
  /** Milliseconds the receiver asked to wait, from Retry-After. */
  retryAfterMs?: number | undefined;
  durationMs: number;
  responseBody?: string | undefined;
}

/**
 * Sends stored webhook deliveries in the background: due ones first, a few at a time, retrying
 * network errors, timeouts, 429 and 5xx with exponential backoff and full jitter (honouring
 * Retry-After), until `giveUpAfterHours` after the delivery was created. Other responses fail the
 * delivery at once. It runs beside the HTTP server and never blocks a request.
 */
export class WebhookDispatcher {
  private readonly sites: Map<string, SiteConfig>;
  private readonly inFlight = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;

  constructor(
    private readonly db: Db,
    config: Config,
    private readonly logger: Logger,
    private readonly options: DispatcherOptions = {},
  ) {
    this.sites = new Map(config.sites.map((site) => [site.key, site]));
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops looking for deliveries and waits for the attempts in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Looks for due deliveries now instead of at the next poll. */
  wake(): void {
    if (!this.stopped && !this.running) this.schedule(0);
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.sendDue().finally(() => {
        this.running = undefined;
        if (!this.stopped) this.schedule(this.options.pollMs ?? 1000);
      });
    }, delayMs);
    this.timer.unref();
  }

  /** Sends every due delivery, `concurrency` at a time, and resolves when they are settled. */
  async sendDue(now = Date.now()): Promise<void> {
    const limit = this.options.concurrency ?? 4;
    const due = this.db
      .select()
      .from(webhookDeliveries)
      .where(and(eq(webhookDeliveries.status, 'pending'), lte(webhookDeliveries.nextAttemptAt, now), notInArray(webhookDeliveries.id, [...this.inFlight])))
      .orderBy(asc(webhookDeliveries.nextAttemptAt))
      .limit(100)
      .all();
    const queue = [...due];
    const worker = async () => {
      for (let delivery = queue.shift(); delivery && !this.stopped; delivery = queue.shift()) {
        this.inFlight.add(delivery.id);
        try {
          await this.attempt(delivery);
        } finally {
          this.inFlight.delete(delivery.id);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(limit, queue.length) }, worker));
  }

  private async attempt(delivery: Delivery): Promise<void> {
    const site = this.sites.get(delivery.siteKey);
    const webhook = site?.webhooks.find((candidate) => candidate.id === delivery.webhookId);
    const ids = { deliveryId: delivery.id, siteKey: delivery.siteKey, webhookId: delivery.webhookId, event: delivery.event };
    if (!site || !webhook) {
      this.finish(delivery, { status: 'failed', lastError: 'the webhook is no longer configured' });
      this.logger.warn(ids, 'webhook delivery failed: the webhook is no longer configured');
      return;
    }
    const secret = readSecret(webhook.secret);
    if (!secret) {
      this.retryOrFail(delivery, site, { ok: false, error: `the environment variable ${webhook.secret.slice(4)} is not set or shorter than 24 characters`, durationMs: 0 });
      return;
    }

    const result = await sendWebhook(webhook.url, delivery.body, secret, { deliveryId: delivery.id, event: delivery.event, timeoutMs: site.webhookSettings.timeoutSeconds * 1000 });
    if (result.ok) {
      this.finish(delivery, { status: 'delivered', lastStatus: result.status ?? null, lastError: null, deliveredAt: Date.now() });
      this.logger.info({ ...ids, status: result.status, durationMs: result.durationMs, attempts: delivery.attempts + 1 }, 'webhook delivered');
      return;
    }
    this.retryOrFail(delivery, site, result);
  }

  private retryOrFail(delivery: Delivery, site: SiteConfig, result: AttemptResult): void {
    const attempts = delivery.attempts + 1;
    const retryable = result.status === undefined || result.status === 408 || result.status === 429 || result.status >= 500;
    const now = Date.now();
    const backoff = Math.min((this.options.baseDelayMs ?? 10_000) * 2 ** (attempts - 1), this.options.maxDelayMs ?? 3_600_000);
    const delay = Math.max(backoff * (this.options.random ?? Math.random)(), result.retryAfterMs ?? 0);
    const giveUpAt = delivery.createdAt + site.webhookSettings.giveUpAfterHours * 3_600_000;
    const lastError = result.error ?? `the receiver responded with ${result.status}`;
    const ids = { deliveryId: delivery.id, siteKey: delivery.siteKey, webhookId: delivery.webhookId, event: delivery.event, attempts, error: lastError };

    if (!retryable || now + delay > giveUpAt) {
      this.finish(delivery, { status: 'failed', attempts, lastError, lastStatus: result.status ?? null });
      this.logger.warn(ids, retryable ? 'webhook delivery failed: retries ran past giveUpAfterHours' : 'webhook delivery failed: the receiver rejected it');
      return;
    }
    this.finish(delivery, { status: 'pending', attempts, lastError, lastStatus: result.status ?? null, nextAttemptAt: now + Math.round(delay) });
    this.logger.info({ ...ids, retryInMs: Math.round(delay) }, 'webhook attempt failed, will retry');
  }

  private finish(delivery: Delivery, changes: Partial<Delivery>): void {
    const attempts = changes.attempts ?? delivery.attempts + 1;
    this.db
      .update(webhookDeliveries)
      .set({ ...changes, attempts })
      .where(eq(webhookDeliveries.id, delivery.id))
      .run();
  }
}

/** Sends one signed webhook request and describes the outcome; network errors and timeouts become a failed result, not an exception. */
export async function sendWebhook(
  url: string,
  body: string,
  secret: string,
  options: { deliveryId: string; event: string; timeoutMs: number },
): Promise<AttemptResult> {
  const started = performance.now();
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'User-Agent': 'Patron-Webhooks/1',
        'Patron-Delivery': options.deliveryId,
        'Patron-Event': options.event,
        [SIGNATURE_HEADER]: signatureHeader(body, secret, Math.floor(Date.now() / 1000)),
      },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    const responseBody = await readStart(response, 2048);
    return {
      ok: response.status >= 200 && response.status < 300,
      status: response.status,
      retryAfterMs: retryAfterMs(response.headers.get('retry-after')),
      durationMs: performance.now() - started,
      responseBody,
    };
  } catch (error) {
    const timedOut = (error as Error).name === 'TimeoutError';
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason = timedOut ? `timed out after ${options.timeoutMs} ms` : `request failed: ${cause?.code ?? cause?.message ?? (error as Error).message}`;
    return { ok: false, error: reason, durationMs: performance.now() - started };
  }
}

/**
 * Reads at most `maxBytes` of a response body and cancels the rest, so that a receiver responding
 * with a huge body cannot fill the collector's memory.
 */
async function readStart(response: Response, maxBytes: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < maxBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).toString('utf8', 0, Math.min(size, maxBytes));
}

/** Milliseconds from a Retry-After header in seconds or as an HTTP date; undefined when absent or invalid. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
