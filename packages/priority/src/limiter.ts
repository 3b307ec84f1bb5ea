import { rankOf, tiers, type Tier } from './tiers.js';

export interface LimiterOptions {
  /** Requests in flight allowed at start, before the limit adapts. Default 32. */
  initialLimit?: number;
  /** The limit never shrinks below this. Default 4. */
  minLimit?: number;
  /** The limit never grows beyond this. Default 1,000. */
  maxLimit?: number;
  /** Milliseconds a request may take once admitted; slower completions shrink the limit. Default 50. */
  targetLatencyMs?: number;
  /** Milliseconds a request may wait for admission before it is shed; the top tier waits four times as long. Default 100. */
  maxWaitMs?: number;
  /** Most requests waiting across tiers; beyond it, the oldest of the lowest tier waiting is shed. Default 1,000. */
  maxQueue?: number;
  /** Share of the limit that only the top tier may use, from 0 to 1. Default 0.2. */
  reservedTopShare?: number;
  /**
   * Extra signal of overload, such as event-loop delay above a bound. While it returns true, the
   * lowest admitted tier rises by one every `tierStepMs`: bronze is shed first, then silver, then
   * gold, and never the top tier. Once it returns false, the tiers come back one at a time, one
   * every half `tierStepMs`, so that a server that has caught up serves everyone again soon. The
   * limit of requests in flight does not shrink on this signal.
   */
  overloaded?: () => boolean;
  /**
   * Signal that the server has room again. Closed tiers reopen only while it returns true, and
   * stay closed while neither signal holds, so that a load just below the overload bound does not
   * open and close a tier by turns. Default: while `overloaded()` returns false.
   */
  underloaded?: () => boolean;
  /** Milliseconds between two moves of the lowest admitted tier. Default 200. */
  tierStepMs?: number;
  /** Clock in milliseconds, for tests. */
  now?: () => number;
}

/** Rejects a request that was not admitted: the server is overloaded and its tier must yield. */
export class ShedError extends Error {
  override name = 'ShedError';

  constructor(
    readonly tier: Tier,
    readonly reason: 'queue_timeout' | 'queue_full' | 'tier_closed',
  ) {
    super(shedMessages[reason](tier));
  }
}

const shedMessages: Record<ShedError['reason'], (tier: Tier) => string> = {
  queue_timeout: (tier) => `shed: waited too long for admission (tier ${tier})`,
  queue_full: (tier) => `shed: the admission queue is full (tier ${tier})`,
  tier_closed: (tier) => `shed: the server is overloaded and admits no ${tier} requests for now`,
};

interface Waiter {
  tier: Tier;
  since: number;
  admit: () => void;
  shed: (reason: ShedError['reason']) => void;
}

/** Counts per tier since the limiter started, for metrics and benchmarks. */
export type TierCounts = Record<Tier, { admitted: number; shed: number }>;

/**
 * Admission by tier with an adaptive concurrency limit. While requests in flight are below the
 * limit, every request is admitted at once. Above it, requests wait in one queue per tier and are
 * admitted strictly by tier, oldest first within a tier; the top tier alone may use the last
 * `reservedTopShare` of the limit. A request that waits longer than its tier's maximum is shed,
 * which drops the oldest of a tier first, and a full queue sheds the oldest request of the lowest
 * tier waiting.
 *
 * The limit grows by one per limit's worth of completions within `targetLatencyMs` (additive
 * increase) and shrinks by 10% at most every 100 ms when a completion is slower (multiplicative
 * decrease), so it follows the capacity of the server as it changes.
 *
 * While `overloaded()` returns true, whole tiers are closed from the lowest up, one every
 * `tierStepMs`: a request of a closed tier is shed at once, without waiting. The top tier is
 * never closed. A stall of the event loop therefore costs the lowest tiers their admission, not
 * every tier its share of a limit cut down to `minLimit`.
 */
export class PriorityLimiter {
  private readonly queues: Record<Tier, Waiter[]> = { platinum: [], gold: [], silver: [], bronze: [] };
  private inFlight = 0;
  private limitValue: number;
  private lastDecrease = 0;
  /** Number of tiers admitted, from the top: 4 admits every tier, 1 only the top tier. */
  private openTiers: number = tiers.length;
  private lastTierMove = Number.NEGATIVE_INFINITY;
  private readonly options: Required<Omit<LimiterOptions, 'overloaded' | 'underloaded'>> & Pick<LimiterOptions, 'overloaded' | 'underloaded'>;
  readonly counts: TierCounts = { platinum: { admitted: 0, shed: 0 }, gold: { admitted: 0, shed: 0 }, silver: { admitted: 0, shed: 0 }, bronze: { admitted: 0, shed: 0 } };

  constructor(options: LimiterOptions = {}) {
    this.options = {
      initialLimit: 32,
      minLimit: 4,
      maxLimit: 1000,
      targetLatencyMs: 50,
      maxWaitMs: 100,
      maxQueue: 1000,
      reservedTopShare: 0.2,
      tierStepMs: 200,
      now: () => performance.now(),
      // An option set to undefined keeps its default; spread as it is, it would make the limit NaN.
      ...Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)),
    };
    this.limitValue = this.options.initialLimit;
  }

  /** The current limit of requests in flight. */
  get limit(): number {
    return Math.floor(this.limitValue);
  }

  get waiting(): number {
    return tiers.reduce((sum, tier) => sum + this.queues[tier].length, 0);
  }

  get active(): number {
    return this.inFlight;
  }

  /** The lowest tier admitted now; lower tiers are shed at once while the server is overloaded. */
  get lowestOpenTier(): Tier {
    return tiers[this.openTiers - 1]!;
  }

  /**
   * Resolves with a release function once the request is admitted; call it when the response is
   * done. Rejects with {@link ShedError} when the request is shed.
   */
  acquire(tier: Tier): Promise<() => void> {
    const now = this.tryAcquire(tier);
    if (now === 'closed') return Promise.reject(new ShedError(tier, 'tier_closed'));
    if (now) return Promise.resolve(now);
    return this.wait(tier);
  }

  /**
   * Decides at once, without a promise or an error, which matters when most requests are shed.
   * Returns the release function when the request is admitted now, and `'closed'` when its tier is
   * closed, in which case the request counts as shed. Returns undefined when the request would
   * have to wait, and the caller then calls {@link acquire}.
   */
  tryAcquire(tier: Tier): (() => void) | 'closed' | undefined {
    this.moveTiers();
    if (rankOf(tier) >= this.openTiers) {
      this.counts[tier].shed++;
      return 'closed';
    }
    if (this.waiting === 0 && this.inFlight < this.allowance(tier)) return this.start(tier);
    return undefined;
  }

  private wait(tier: Tier): Promise<() => void> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        tier,
        since: this.options.now(),
        admit: () => {
          clearTimeout(timer);
          resolve(this.start(tier));
        },
        shed: (reason) => {
          clearTimeout(timer);
          this.counts[tier].shed++;
          reject(new ShedError(tier, reason));
        },
      };
      const maxWait = this.options.maxWaitMs * (rankOf(tier) === 0 ? 4 : 1);
      const timer = setTimeout(() => this.remove(waiter) && waiter.shed('queue_timeout'), maxWait);
      timer.unref?.();
      this.queues[tier].push(waiter);
      if (this.waiting > this.options.maxQueue) this.shedLowest();
      this.dispatch();
    });
  }

  /** Requests in flight a tier may start: the whole limit for the top tier, less the reserved share for the others. */
  private allowance(tier: Tier): number {
    const limit = this.limit;
    return rankOf(tier) === 0 ? limit : Math.max(1, Math.floor(limit * (1 - this.options.reservedTopShare)));
  }

  private start(tier: Tier): () => void {
    this.inFlight++;
    this.counts[tier].admitted++;
    const started = this.options.now();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight--;
      this.adapt(this.options.now() - started);
      this.moveTiers();
      this.dispatch();
    };
  }

  /**
   * Closes the lowest open tier while `overloaded()` returns true, at most one every `tierStepMs`,
   * and reopens the highest closed tier while `underloaded()` returns true, at most one every half
   * `tierStepMs`. Requests of a tier that closes are shed from the queue at once.
   */
  private moveTiers(): void {
    const { overloaded, tierStepMs } = this.options;
    if (!overloaded) return;
    const now = this.options.now();
    const sinceMove = now - this.lastTierMove;
    if (sinceMove < tierStepMs / 2) return;
    if (overloaded()) {
      if (this.openTiers === 1 || sinceMove < tierStepMs) return;
      this.openTiers--;
      this.lastTierMove = now;
      const closed = this.queues[tiers[this.openTiers]!];
      while (closed.length > 0) closed.shift()!.shed('tier_closed');
    } else if (this.openTiers < tiers.length && (this.options.underloaded?.() ?? true)) {
      this.openTiers++;
      this.lastTierMove = now;
    }
  }

  private adapt(latencyMs: number): void {
    const { minLimit, maxLimit, targetLatencyMs } = this.options;
    const now = this.options.now();
    if (latencyMs > targetLatencyMs) {
      if (now - this.lastDecrease >= 100) {
        this.limitValue = Math.max(minLimit, this.limitValue * 0.9);
        this.lastDecrease = now;
      }
    } else if (this.inFlight + 1 >= this.limit * 0.5) {
      // Grows only while the limit is in use, so a quiet period does not leave it far too high.
      this.limitValue = Math.min(maxLimit, this.limitValue + 1 / this.limitValue);
    }
  }

  /** Admits waiting requests, top tier first, while their tier's allowance has room. */
  private dispatch(): void {
    for (const tier of tiers) {
      const queue = this.queues[tier];
      while (queue.length > 0 && this.inFlight < this.allowance(tier)) queue.shift()!.admit();
      // A lower tier never overtakes a higher one that is still waiting.
      if (queue.length > 0) return;
    }
  }

  private shedLowest(): void {
    for (const tier of [...tiers].reverse()) {
      const oldest = this.queues[tier].shift();
      if (oldest) {
        oldest.shed('queue_full');
        return;
      }
    }
  }

  private remove(waiter: Waiter): boolean {
    const queue = this.queues[waiter.tier];
    const index = queue.indexOf(waiter);
    if (index === -1) return false;
    queue.splice(index, 1);
    return true;
  }
}
