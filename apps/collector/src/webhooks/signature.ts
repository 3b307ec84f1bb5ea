import { createHmac } from 'node:crypto';

/** The header that carries the signature: `t=<unix seconds>,v1=<hex HMAC-SHA256>`. */
export const SIGNATURE_HEADER = 'Patron-Signature';

/**
 * Signs a webhook body for time `seconds`: HMAC-SHA256 with the webhook's secret over
 * "<seconds>.<body>", so the receiver can check both the body and how old the request is.
 */
export function signatureHeader(body: string, secret: string, seconds: number): string {
  const digest = createHmac('sha256', secret).update(`${seconds}.${body}`).digest('hex');
  return `t=${seconds},v1=${digest}`;
}
