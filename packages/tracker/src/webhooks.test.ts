import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyWebhook, WebhookVerificationError } from './webhooks.js';

const SECRET = 'webhook-secret-of-24-chars-at-least';
const body = JSON.stringify({ id: 'd-1', event: 'cart.abandoned', customer: { email: 'ada@example.com' } });
const NOW = Date.parse('2026-12-04T12:00:00Z');

const sign = (text: string, seconds: number, secret = SECRET) => `t=${seconds},v1=${createHmac('sha256', secret).update(`${seconds}.${text}`).digest('hex')}`;

describe('verifyWebhook', () => {
  it('returns a genuine delivery', async () => {
    const delivery = await verifyWebhook(body, sign(body, NOW / 1000), SECRET, { now: NOW });

    expect(delivery.id).toBe('d-1');
  });

  it('rejects a changed body', async () => {
    const attempt = verifyWebhook(body.replace('ada', 'eve'), sign(body, NOW / 1000), SECRET, { now: NOW });

    await expect(attempt).rejects.toThrow('does not match the body');
  });

  it('rejects another secret', async () => {
    const attempt = verifyWebhook(body, sign(body, NOW / 1000, 'another-secret-of-24-chars-xx'), SECRET, { now: NOW });

    await expect(attempt).rejects.toBeInstanceOf(WebhookVerificationError);
  });

  it('rejects an old signature', async () => {
    const attempt = verifyWebhook(body, sign(body, NOW / 1000 - 301), SECRET, { now: NOW });

    await expect(attempt).rejects.toThrow('outside the 300 s tolerance');
  });

  it('rejects a missing header', async () => {
    await expect(verifyWebhook(body, undefined, SECRET, { now: NOW })).rejects.toThrow('missing or not in the form');
  });
});
