import { describe, expect, it } from 'vitest';
import { armKey, attributeOrders, type Exposure, type Order } from './attribution.js';

const DAY = 24 * 60 * 60 * 1000;
const WINDOW = 7 * DAY;

const exposure = (profileId: string, offerId: string | null, group: string, at: number, variant: string | null = null): Exposure => ({ profileId, offerId, variant, group, at });
const order = (profileId: string, at: number, value: number, coupon: string | null = null): Order => ({ profileId, at, value, coupon });

const revenueOf = (result: ReturnType<typeof attributeOrders>, arm: Parameters<typeof armKey>[0]) => Object.fromEntries(result.revenue.get(armKey(arm)) ?? []);

describe('attributeOrders', () => {
  it('credits the latest exposure in the window', () => {
    const exposures = [exposure('p1', 'basket', 'treatment', 0, 'a'), exposure('p1', 'win-back', 'control', 2 * DAY)];

    const result = attributeOrders(exposures, [order('p1', 3 * DAY, 1500)], new Map(), WINDOW);

    expect(revenueOf(result, { offerId: 'win-back', variant: null, group: 'control' })).toEqual({ p1: 1500 });
    expect(result.revenue.has(armKey({ offerId: 'basket', variant: 'a', group: 'treatment' }))).toBe(false);
  });

  it('ignores orders after the window', () => {
    const result = attributeOrders([exposure('p1', 'basket', 'treatment', 0, 'a')], [order('p1', 8 * DAY, 1500)], new Map(), WINDOW);

    expect(result.revenue.size).toBe(0);
  });

  it('ignores orders before any exposure', () => {
    const result = attributeOrders([exposure('p1', 'basket', 'treatment', DAY, 'a')], [order('p1', 0, 1500)], new Map(), WINDOW);

    expect(result.revenue.size).toBe(0);
  });

  it('credits the coupon offer beyond the window', () => {
    const exposures = [exposure('p1', 'basket', 'treatment', 0, 'a'), exposure('p1', 'thanks', 'treatment', 20 * DAY, 'default')];

    const result = attributeOrders(exposures, [order('p1', 21 * DAY, 2000, 'BACK10')], new Map([['BACK10', 'basket']]), WINDOW);

    expect(revenueOf(result, { offerId: 'basket', variant: 'a', group: 'treatment' })).toEqual({ p1: 2000 });
  });

  it('counts a coupon without exposure apart', () => {
    const result = attributeOrders([exposure('p1', 'thanks', 'treatment', 0, 'default')], [order('p1', DAY, 2000, 'BACK10')], new Map([['BACK10', 'basket']]), WINDOW);

    expect(result.revenue.size).toBe(0);
    expect(result.couponsWithoutExposure.get('basket')).toBe(1);
  });

  it('sums one person across orders', () => {
    const exposures = [exposure('p1', null, 'holdout', 0)];

    const result = attributeOrders(exposures, [order('p1', DAY, 1000), order('p1', 2 * DAY, 500), order('p2', DAY, 700)], new Map(), WINDOW);

    expect(revenueOf(result, { offerId: null, variant: null, group: 'holdout' })).toEqual({ p1: 1500 });
  });
});
