/**
 * Verifies Patron's webhook deliveries on the shop's server. It uses only Web Crypto, so it runs
 * on Node 20+, Deno, Bun and edge runtimes.
 */

/** A webhook delivery as Patron sends it. Money is in minor units of `customer.currency`. */
export interface WebhookDelivery {
  /** Unique per delivery and kept across retries, so receivers can ignore repeats. */
  id: string;
  event: 'cart.abandoned' | 'customer.first_purchase' | 'customer.segment_changed' | 'customer.tier_changed' | 'customer.lapsing' | 'offer.converted';
  occurredAt: string;
  site: string;
  customer: {
    id: string;
    userId: string | null;
    email: string | null;
    traits: Record<string, unknown>;
    segment: string | null;
    tier: string | null;
    orders: number;
    revenue: number;
    lastOrderAt: string | null;
    probabilityAlive: number | null;
    predictedValue: number | null;
    cart: { items: Array<{ id: string; name: string; quantity: number; price: number }>; quantity: number; value: number };
    currency: string;
  };
  data: Record<string, unknown>;
}

/** Thrown by {@link verifyWebhook} with the reason the delivery cannot be trusted. */
export class WebhookVerificationError extends Error {
  override name = 'WebhookVerificationError';
}

export interface VerifyOptions {
  /** Seconds a signature stays valid, against replays of a captured request. Default 300. */
  toleranceSeconds?: number;
  /** The current time in milliseconds, for tests. */
  now?: number;
}

const encoder = new TextEncoder();

/**
 * Checks the `Patron-Signature` header of a delivery (`t=<unix seconds>,v1=<hex HMAC-SHA256 of
 * "<t>.<body>">`) against the webhook's secret, and returns the parsed delivery. Pass the body
 * exactly as received, before any JSON parsing. Throws {@link WebhookVerificationError} for a
 * missing or malformed header, a wrong signature, or a signature older than the tolerance.
 */
export async function verifyWebhook(body: string, signature: string | string[] | null | undefined, secret: string, options: VerifyOptions = {}): Promise<WebhookDelivery> {
  if (!secret) throw new WebhookVerificationError('The webhook secret is empty; pass the secret configured for this webhook in Patron');
  const header = Array.isArray(signature) ? signature[0] : signature;
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? '');
  if (!match) throw new WebhookVerificationError('The Patron-Signature header is missing or not in the form t=<seconds>,v1=<hex>');
  const seconds = Number(match[1]);
  const tolerance = options.toleranceSeconds ?? 300;
  const now = (options.now ?? Date.now()) / 1000;
  if (Math.abs(now - seconds) > tolerance) {
    const offset = Math.round(Math.abs(now - seconds));
    const when = now >= seconds ? `${offset} s ago` : `${offset} s in the future`;
    throw new WebhookVerificationError(`The signature was made ${when}, outside the ${tolerance} s tolerance; check the server clock, or this is a replayed request`);
  }

  const key = await crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const expected = new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(`${seconds}.${body}`)));
  const presented = match[2]!.match(/../g)!.map((byte) => parseInt(byte, 16));
  // Every byte is compared, whatever the first difference, so timing reveals nothing.
  let difference = 0;
  expected.forEach((byte, index) => (difference |= byte ^ presented[index]!));
  if (difference !== 0) throw new WebhookVerificationError('The signature does not match the body; check that the secret is the webhook\'s and the body is unchanged');
  return JSON.parse(body) as WebhookDelivery;
}
