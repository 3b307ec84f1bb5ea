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

describe('PriorityLimiter.tryAcquire', () => {
  it('admits at once with room', () => {
    const limiter = new PriorityLimiter({ initialLimit: 2, reservedTopShare: 0 });

    const release = limiter.tryAcquire('bronze');

    expect(typeof release).toBe('function');
    expect(limiter.active).toBe(1);
  });

  it('leaves a full limit to acquire', () => {
    const limiter = new PriorityLimiter({ initialLimit: 2, reservedTopShare: 0 });
    limiter.tryAcquire('bronze');
    limiter.tryAcquire('bronze');

    const decision = limiter.tryAcquire('bronze');

    expect(decision).toBeUndefined();
    expect(limiter.waiting).toBe(0);
    expect(limiter.counts.bronze.shed).toBe(0);
  });

  it('reports a closed tier as shed', () => {
    const limiter = new PriorityLimiter({ overloaded: () => true });

    const decision = limiter.tryAcquire('bronze');

    expect(decision).toBe('closed');
    expect(limiter.counts.bronze.shed).toBe(1);
  });
});

describe('PriorityLimiter under event-loop overload', () => {
  /** Creates a limiter whose clock and overload signal the test sets. */
  function overloadable(options: { initialLimit?: number; maxWaitMs?: number } = {}) {
    const state = { clock: 0, overloaded: false };
    const limiter = new PriorityLimiter({ ...options, tierStepMs: 100, now: () => state.clock, overloaded: () => state.overloaded });
    return { state, limiter };
  }

  const outcomeOf = (promise: Promise<() => void>) =>
    promise.then(
      (release) => {
        release();
        return 'admitted';
      },
      (error: unknown) => (error instanceof ShedError ? error.reason : 'other error'),
    );

  it('closes bronze first while overloaded', async () => {
    const { state, limiter } = overloadable();
    state.overloaded = true;

    const bronze = await outcomeOf(limiter.acquire('bronze'));
    const silver = await outcomeOf(limiter.acquire('silver'));

    expect(bronze).toBe('tier_closed');
    expect(silver).toBe('admitted');
    expect(limiter.lowestOpenTier).toBe('silver');
    expect(limiter.counts.bronze.shed).toBe(1);
  });

  it('closes one tier per step', async () => {
    const { state, limiter } = overloadable();
    state.overloaded = true;
    const lowest: string[] = [];

    for (let step = 0; step < 5; step++) {
      await outcomeOf(limiter.acquire('platinum'));
      lowest.push(limiter.lowestOpenTier);
      state.clock += 50;
      await outcomeOf(limiter.acquire('platinum'));
      state.clock += 50;
    }

    expect(lowest).toEqual(['silver', 'gold', 'platinum', 'platinum', 'platinum']);
  });

  it('never closes the top tier', async () => {
    const { state, limiter } = overloadable();
    state.overloaded = true;

    for (let step = 0; step < 10; step++) {
      await outcomeOf(limiter.acquire('gold'));
      state.clock += 100;
    }
    const platinum = await outcomeOf(limiter.acquire('platinum'));

    expect(platinum).toBe('admitted');
    expect(limiter.counts.platinum.admitted).toBe(1);
  });

  it('reopens tiers once the overload ends', async () => {
    const { state, limiter } = overloadable();
    state.overloaded = true;
    for (let step = 0; step < 3; step++) {
      await outcomeOf(limiter.acquire('platinum'));
      state.clock += 100;
    }
    expect(limiter.lowestOpenTier).toBe('platinum');

    state.overloaded = false;
    const reopened: string[] = [];
    for (let step = 0; step < 4; step++) {
      await outcomeOf(limiter.acquire('platinum'));
      reopened.push(limiter.lowestOpenTier);
      state.clock += 50;
    }

    expect(reopened).toEqual(['gold', 'silver', 'bronze', 'bronze']);
    expect(await outcomeOf(limiter.acquire('bronze'))).toBe('admitted');
  });

  it('holds closed tiers between the bounds', async () => {
    const state = { clock: 0, overloaded: true, underloaded: false };
    const limiter = new PriorityLimiter({ tierStepMs: 100, now: () => state.clock, overloaded: () => state.overloaded, underloaded: () => state.underloaded });
    await outcomeOf(limiter.acquire('platinum'));
    expect(limiter.lowestOpenTier).toBe('silver');

    state.overloaded = false;
    state.clock += 100;
    await outcomeOf(limiter.acquire('platinum'));
    const held = limiter.lowestOpenTier;
    state.underloaded = true;
    state.clock += 100;
    await outcomeOf(limiter.acquire('platinum'));

    expect(held).toBe('silver');
    expect(limiter.lowestOpenTier).toBe('bronze');
  });

  it('keeps its limit while overloaded', async () => {
    const { state, limiter } = overloadable({ initialLimit: 20 });
    state.overloaded = true;

    for (let round = 0; round < 20; round++) {
      const release = await limiter.acquire('platinum');
      state.clock += 10;
      release();
      state.clock += 100;
    }

    expect(limiter.limit).toBe(20);
  });

  it('sheds the waiting requests of a closing tier', async () => {
    const { state, limiter } = overloadable({ initialLimit: 5, maxWaitMs: 10_000 });
    const held = await Promise.all([1, 2, 3, 4].map(() => limiter.acquire('gold')));
    const waiting = outcomeOf(limiter.acquire('bronze'));
    expect(limiter.waiting).toBe(1);

    state.overloaded = true;
    held[0]!();

    expect(await waiting).toBe('tier_closed');
    expect(limiter.waiting).toBe(0);
  });

  it('keeps the reserved top share while overloaded', async () => {
    const { state, limiter } = overloadable({ initialLimit: 10, maxWaitMs: 10_000 });
    state.overloaded = true;
    await Promise.all(Array.from({ length: 8 }, () => limiter.acquire('gold')));
    const order: string[] = [];

    const gold = track(limiter, order, 'gold', 'gold');
    const platinum = track(limiter, order, 'platinum', 'platinum');
    await settle();

    expect(order).toEqual(['platinum']);
    expect(limiter.waiting).toBe(1);
    void gold.catch(() => undefined);
    void platinum;
  });
});

describe('PriorityLimiter options', () => {
  it('keeps defaults for undefined options', () => {
    const limiter = new PriorityLimiter({ initialLimit: undefined, maxWaitMs: undefined });

    expect(limiter.limit).toBe(32);
  });
});
