import { and, eq, gt, sql } from 'drizzle-orm';
import type { SiteConfig } from '../config/schema.js';
import type { Db } from '../db/open.js';
import { orders, profiles, scoringRuns } from '../db/schema.js';
import { segmentOf, tiers } from './segments.js';

export interface ScoringResult {
  status: 'scored' | 'not_enough_data';
  customers: number;
  minCustomers: number;
  computedAt: number;
}

interface Customer {
  id: string;
  orders: number;
  revenue: number;
  lastOrderAt: number;
  predictedValue: number | null;
}

/**
 * Scores every customer (a profile with at least one order) of a site. R, F and M run from 1 to 5
 * by quintile of rank, and R and F name the segment. The value tier follows the rank of predicted
 * value when every customer has one, else the rank of revenue. Ranks break
 * ties by the other measures, so that the many customers with one order still spread over
 * quintiles instead of all sharing one score. Below `minCustomersForScores` customers, quintiles
 * would be noise: every score is cleared and the run is recorded as "not_enough_data".
 *
 * With `scoreConfirmedOrdersOnly`, orders and revenue come from confirmed orders alone.
 * NOTE: refunds imported without an order do not reduce revenue in that mode.
 */
export function scoreCustomers(
  db: Db,
  site: Pick<SiteConfig, 'key' | 'minCustomersForScores' | 'currency'> & { scoreConfirmedOrdersOnly?: boolean },
  now = Date.now(),
): ScoringResult {
  return db.transaction((tx) => {
    const customers = (
      site.scoreConfirmedOrdersOnly
        ? tx
            .select({
              id: orders.profileId,
              orders: sql<number>`count(*)`,
              revenue: sql<number>`sum(CASE WHEN ${orders.currency} = ${site.currency} THEN ${orders.value} - ${orders.refunded} ELSE 0 END)`,
              lastOrderAt: sql<number>`max(${orders.placedAt})`,
              predictedValue: sql<number | null>`(SELECT ${profiles.predictedValue} FROM ${profiles} WHERE ${profiles.siteKey} = ${site.key} AND ${profiles.id} = ${orders.profileId})`,
            })
            .from(orders)
            .where(and(eq(orders.siteKey, site.key), eq(orders.confirmed, 1)))
            .groupBy(orders.profileId)
            .all()
        : tx
            .select({
              id: profiles.id,
              orders: profiles.orders,
              revenue: profiles.revenue,
              lastOrderAt: sql<number>`coalesce(${profiles.lastOrderAt}, 0)`,
              predictedValue: profiles.predictedValue,
            })
            .from(profiles)
            .where(and(eq(profiles.siteKey, site.key), gt(profiles.orders, 0)))
            .all()
    ) as Customer[];
    const minCustomers = site.minCustomersForScores;
    const result: ScoringResult = {
      status: customers.length >= minCustomers ? 'scored' : 'not_enough_data',
      customers: customers.length,
      minCustomers,
      computedAt: now,
    };

    tx.update(profiles).set({ segment: null, rfm: null, tier: null }).where(eq(profiles.siteKey, site.key)).run();
    if (result.status === 'scored') {
      const recency = quintiles(customers, (a, b) => a.lastOrderAt - b.lastOrderAt || a.orders - b.orders || a.revenue - b.revenue);
      const frequency = quintiles(customers, (a, b) => a.orders - b.orders || a.revenue - b.revenue || a.lastOrderAt - b.lastOrderAt);
      const monetary = quintiles(customers, (a, b) => a.revenue - b.revenue || a.orders - b.orders || a.lastOrderAt - b.lastOrderAt);
      // Tiers follow predicted value when the site's value models are usable, else past revenue.
      const predicted = customers.every((customer) => customer.predictedValue !== null);
      const worth = (customer: Customer) => (predicted ? customer.predictedValue! : customer.revenue);
      const byValue = [...customers].sort((a, b) => worth(b) - worth(a) || b.revenue - a.revenue || a.id.localeCompare(b.id));
      const tierOf = new Map(byValue.map((customer, rank) => [customer.id, tiers.find((tier) => rank < Math.ceil(tier.topShare * customers.length))!.name]));

      const update = db.$client.prepare('UPDATE profiles SET segment = ?, rfm = ?, tier = ? WHERE site_key = ? AND id = ?');
      for (const customer of customers) {
        const r = recency.get(customer.id)!;
        const f = frequency.get(customer.id)!;
        const m = monetary.get(customer.id)!;
        update.run(segmentOf(r, f), JSON.stringify({ r, f, m, computedAt: now }), tierOf.get(customer.id)!, site.key, customer.id);
      }
    }

    tx.insert(scoringRuns)
      .values({ siteKey: site.key, ...result })
      .onConflictDoUpdate({ target: scoringRuns.siteKey, set: result })
      .run();
    return result;
  });
}

/** Scores 1 to 5 by rank in ascending `order`: the lowest fifth gets 1, the highest fifth 5. */
function quintiles(customers: Customer[], order: (a: Customer, b: Customer) => number): Map<string, number> {
  const sorted = [...customers].sort((a, b) => order(a, b) || a.id.localeCompare(b.id));
  return new Map(sorted.map((customer, rank) => [customer.id, Math.floor((rank * 5) / sorted.length) + 1]));
}
