import { describe, expect, it } from 'vitest';
import { PriorityLimiter, ShedError } from './limiter.js';
import type { Tier } from './tiers.js';

/** Acquires for the tier and records the order of admission, without releasing. */
function track(limiter: PriorityLimiter, order: string[], tier: Tier, label: string) {
  return limiter.acquire(tier).then(
    (release) => {
      order.push(label);
      return release;
    },
    (error: unknown) => {
      order.push(`${label} shed`);
      throw error;
    },
  );
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('PriorityLimiter', () => {
  it('admits at once below the limit', async () => {
    const limiter = new PriorityLimiter({ initialLimit: 4 });

    const releases = await Promise.all([limiter.acquire('bronze'), limiter.acquire('bronze'), limiter.acquire('bronze')]);

    expect(limiter.active).toBe(3);
    releases.forEach((release) => release());
    expect(limiter.active).toBe(0);
  });

  it('admits the higher tier first', async () => {
    const limiter = new PriorityLimiter({ initialLimit: 5, minLimit: 1, reservedTopShare: 0.2, maxWaitMs: 10_000 });
    const order: string[] = [];
    const held = await Promise.all([1, 2, 3, 4].map(() => limiter.acquire('bronze')));

    const waiting = [track(limiter, order, 'bronze', 'bronze-1'), track(limiter, order, 'silver', 'silver-1'), track(limiter, order, 'gold', 'gold-1')];
    await settle();
    held[0]!();
    await settle();
    held[1]!();
    await settle();
    held[2]!();
    await Promise.all(waiting);

    expect(order).toEqual(['gold-1', 'silver-1', 'bronze-1']);
  });

  it('keeps the reserved share for the top tier', async () => {
    const limiter = new PriorityLimiter({ initialLimit: 10, reservedTopShare: 0.2, maxWaitMs: 10_000 });
    await Promise.all(Array.from({ length: 8 }, () => limiter.acquire('bronze')));
    const order: string[] = [];

    const gold = track(limiter, order, 'gold', 'gold');
    const platinum = track(limiter, order, 'platinum', 'platinum');
    await settle();

    expect(order).toEqual(['platinum']);
    expect(limiter.waiting).toBe(1);
    void gold.catch(() => undefined);
    void platinum;
  });

  it('sheds the oldest waiting after its wait', async () => {
    const limiter = new PriorityLimiter({ initialLimit: 4, reservedTopShare: 0, maxWaitMs: 20 });
    await Promise.all([1, 2, 3, 4].map(() => limiter.acquire('bronze')));

    const outcome = await limiter.acquire('silver').then(
      () => 'admitted',
      (error: unknown) => error,
    );

    expect(outcome).toBeInstanceOf(ShedError);
    expect((outcome as ShedError).reason).toBe('queue_timeout');
    expect(limiter.counts.silver.shed).toBe(1);
  });

  it('sheds the lowest tier when the queue is full', async () => {
    const limiter = new PriorityLimiter({ initialLimit: 4, reservedTopShare: 0, maxWaitMs: 10_000, maxQueue: 2 });
    await Promise.all([1, 2, 3, 4].map(() => limiter.acquire('bronze')));
    const order: string[] = [];

    const waiting = [track(limiter, order, 'bronze', 'bronze-old'), track(limiter, order, 'bronze', 'bronze-new'), track(limiter, order, 'gold', 'gold')];
    await Promise.allSettled([waiting[0]]);

    expect(order).toEqual(['bronze-old shed']);
    expect(limiter.waiting).toBe(2);
    waiting.slice(1).forEach((promise) => void promise.catch(() => undefined));
  });

  it('shrinks when work is slow', async () => {
    let clock = 0;
    const limiter = new PriorityLimiter({ initialLimit: 20, targetLatencyMs: 50, now: () => clock });

    for (let round = 0; round < 5; round++) {
      const release = await limiter.acquire('bronze');
      clock += 200;
      release();
    }

    expect(limiter.limit).toBe(Math.floor(20 * 0.9 ** 5));
  });

  it('grows when busy and fast', async () => {
    let clock = 0;
    const limiter = new PriorityLimiter({ initialLimit: 4, reservedTopShare: 0, targetLatencyMs: 50, now: () => clock });

    for (let round = 0; round < 40; round++) {
      const releases = await Promise.all([1, 2, 3, 4].map(() => limiter.acquire('bronze')));
      clock += 5;
      releases.forEach((release) => release());
    }

    expect(limiter.limit).toBeGreaterThan(4);
  });
});
