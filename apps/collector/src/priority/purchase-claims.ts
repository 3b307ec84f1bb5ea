import type { IncomingMessage } from 'node:http';
import type { PassClaims } from '@patron/priority';
import type { Context } from 'hono';
import type { Logger } from 'pino';

/** A top-tier admission granted for `purchase=1`, which the events route confirms once it has read a purchase in the body. */
interface PendingClaim {
  key: string;
  /** Expiry of the pass that made the claim, in epoch milliseconds. */
  passExpiresAt: number;
  confirmed: boolean;
}

// Requests whose `purchase=1` was granted, so that the events route can confirm the claim.
const pendingClaims = new WeakMap<IncomingMessage, PendingClaim>();

/** Returns Node's request behind a Hono context, or undefined for a request made in process, as by `app.request`. */
export function incomingOf(c: Context): IncomingMessage | undefined {
  return (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
}

/**
 * Records that the batch of this request contains a purchase. The events route calls it after
 * parsing the body. A request whose claim was not granted is left alone.
 */
export function confirmPurchase(request: IncomingMessage | undefined): void {
  const claim = request && pendingClaims.get(request);
  if (claim) claim.confirmed = true;
}

/**
 * Top-tier admission for event batches whose query states `purchase=1`, decided before the body is
 * read. The tracker adds it to batches that contain a purchase, so purchases are the last events
 * shed. A claim counts only when the request also carries a valid pass (of any tier). When the
 * body then contains no purchase, or the request fails before the body is checked, the pass's
 * visitor may not claim again until that pass expires. A client can therefore jump the queue at
 * most once per pass, and getting a pass costs an offer request, admitted at the pass's own tier.
 */
export class PurchaseClaims {
  /** Barred visitors, as "<site>.<visitor>", with the epoch milliseconds their bar ends, oldest first. */
  private readonly barred = new Map<string, number>();
  private unlogged = 0;
  private loggedAt = Number.NEGATIVE_INFINITY;
  /** False claims since start. */
  falseClaims = 0;

  constructor(
    private readonly logger: Logger,
    /** Maximum number of barred visitors kept. Beyond it, the oldest bars are dropped first. */
    private readonly maxBarred = 100_000,
  ) {}

  /** Grants the claim of a request with a valid pass unless its visitor is barred; records it for {@link settle}. */
  grant(request: IncomingMessage, pass: PassClaims, now = Date.now()): boolean {
    const key = `${pass.site}.${pass.visitor}`;
    const barredUntil = this.barred.get(key);
    if (barredUntil !== undefined) {
      if (barredUntil > now) return false;
      this.barred.delete(key);
    }
    pendingClaims.set(request, { key, passExpiresAt: pass.expires * 1000, confirmed: false });
    return true;
  }

  /** Forgets a granted claim without judging it, for a request that was shed or whose client left before admission. */
  drop(request: IncomingMessage): void {
    pendingClaims.delete(request);
  }

  /** Bars the visitor of a granted claim that the events route did not confirm. Call it when the response is done. */
  settle(request: IncomingMessage, now = Date.now()): void {
    const claim = pendingClaims.get(request);
    if (!claim) return;
    pendingClaims.delete(request);
    if (claim.confirmed) return;

    this.barred.delete(claim.key);
    this.barred.set(claim.key, claim.passExpiresAt);
    if (this.barred.size > this.maxBarred) this.barred.delete(this.barred.keys().next().value!);
    this.falseClaims++;
    this.unlogged++;
    // At most one line a minute, so that a flood of false claims does not flood the log too.
    if (now - this.loggedAt < 60_000) return;
    this.logger.warn(
      { falseClaims: this.unlogged, barredVisitors: this.barred.size },
      'event batches claimed purchase=1 without a purchase in the body; their visitors lose top-tier admission until their pass expires',
    );
    this.unlogged = 0;
    this.loggedAt = now;
  }
}
