import { and, eq, gt, sql } from 'drizzle-orm';
import type { SiteConfig } from '../config/schema.js';
import type { Db } from '../db/open.js';
import { prepared } from '../db/prepared.js';
import { orders, profiles, scoringRuns } from '../db/schema.js';
import { writeImmediately, writeInChunks } from './chunks.js';
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
 * value when every customer has one, else the rank of revenue. Ranks break ties by the other
 * measures, so that the many customers with one order still spread over quintiles instead of all
 * sharing one score. Customers equal in every measure share the score and tier of the first rank
 * of their group. Below `minCustomersForScores` customers, quintiles would be noise: every score
 * is cleared and the run is recorded as "not_enough_data".
 *
 * The scores are written `ROWS_PER_TRANSACTION` customers to a transaction, so that event
 * ingestion on another connection waits for the lock only briefly. NOTE: a reader between two of
 * those transactions reads some customers with new scores and others with the previous run's.
 *
 * With `scoreConfirmedOrdersOnly`, orders and revenue come from confirmed orders alone.
 * NOTE: refunds imported without an order do not reduce revenue in that mode.
 */
export function scoreCustomers(
  db: Db,
  site: Pick<SiteConfig, 'key' | 'minCustomersForScores' | 'currency'> & { scoreConfirmedOrdersOnly?: boolean },
  now = Date.now(),
): ScoringResult {
  const customers = readCustomers(db, site);
  const minCustomers = site.minCustomersForScores;
  const result: ScoringResult = {
    status: customers.length >= minCustomers ? 'scored' : 'not_enough_data',
    customers: customers.length,
    minCustomers,
    computedAt: now,
  };

  const scores = result.status === 'scored' ? scoreAll(customers, now) : [];
  const update = prepared(db, 'UPDATE profiles SET segment = ?, rfm = ?, tier = ? WHERE site_key = ? AND id = ?');
  writeInChunks(db, scores, (score) => update.run(score.segment, score.rfm, score.tier, site.key, score.id));

  // Profiles scored by an earlier run that are no customers now, or every scored profile when
  // there are too few customers. Scoring sets segment, rfm and tier together, so the index on
  // segment finds them all.
  const scored = new Set(scores.map((score) => score.id));
  const stale = (prepared(db, 'SELECT id FROM profiles WHERE site_key = ? AND segment IS NOT NULL').pluck().all(site.key) as string[]).filter(
    (id) => !scored.has(id),
  );
  const clear = prepared(db, 'UPDATE profiles SET segment = NULL, rfm = NULL, tier = NULL WHERE site_key = ? AND id = ?');
  writeInChunks(db, stale, (id) => clear.run(site.key, id));

  writeImmediately(db, () =>
    db
      .insert(scoringRuns)
      .values({ siteKey: site.key, ...result })
      .onConflictDoUpdate({ target: scoringRuns.siteKey, set: result })
      .run(),
  );
  return result;
}

function readCustomers(db: Db, site: Pick<SiteConfig, 'key' | 'currency'> & { scoreConfirmedOrdersOnly?: boolean }): Customer[] {
  if (site.scoreConfirmedOrdersOnly) {
    return db
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
      .all();
  }
  return db
    .select({
      id: profiles.id,
      orders: profiles.orders,
      revenue: profiles.revenue,
      lastOrderAt: sql<number>`coalesce(${profiles.lastOrderAt}, 0)`,
      predictedValue: profiles.predictedValue,
    })
    .from(profiles)
    .where(and(eq(profiles.siteKey, site.key), gt(profiles.orders, 0)))
    .all();
}

interface Score {
  id: string;
  segment: string;
  /** JSON `{ r, f, m, computedAt }`, as stored in profiles.rfm. */
  rfm: string;
  tier: string;
}

function scoreAll(customers: Customer[], now: number): Score[] {
  const recency = quintiles(customers, (a, b) => a.lastOrderAt - b.lastOrderAt || a.orders - b.orders || a.revenue - b.revenue);
  const frequency = quintiles(customers, (a, b) => a.orders - b.orders || a.revenue - b.revenue || a.lastOrderAt - b.lastOrderAt);
  const monetary = quintiles(customers, (a, b) => a.revenue - b.revenue || a.orders - b.orders || a.lastOrderAt - b.lastOrderAt);

  // Tiers follow predicted value when the site's value models are usable, else past revenue.
  const predicted = customers.every((customer) => customer.predictedValue !== null);
  const worth = (customer: Customer) => (predicted ? customer.predictedValue! : customer.revenue);
  const tierRank = ranks(customers, (a, b) => worth(b) - worth(a) || b.revenue - a.revenue);
  const tierOf = (rank: number) => tiers.find((tier) => rank < Math.ceil(tier.topShare * customers.length))!.name;

  return customers.map((customer) => {
    const r = recency.get(customer.id)!;
    const f = frequency.get(customer.id)!;
    const m = monetary.get(customer.id)!;
    return { id: customer.id, segment: segmentOf(r, f), rfm: JSON.stringify({ r, f, m, computedAt: now }), tier: tierOf(tierRank.get(customer.id)!) };
  });
}

/** Scores 1 to 5 by rank in ascending `order`: the lowest fifth gets 1, the highest fifth 5. */
function quintiles(customers: Customer[], order: (a: Customer, b: Customer) => number): Map<string, number> {
  const rankOf = ranks(customers, order);
  return new Map(customers.map((customer) => [customer.id, Math.floor((rankOf.get(customer.id)! * 5) / customers.length) + 1]));
}

/**
 * Ranks customers from 0 in `order`, then by id. Customers that `order` finds equal get the rank
 * of the first of them, so they share every score derived from it.
 */
function ranks(customers: Customer[], order: (a: Customer, b: Customer) => number): Map<string, number> {
  const sorted = [...customers].sort((a, b) => order(a, b) || a.id.localeCompare(b.id));
  const rankOf = new Map<string, number>();
  sorted.forEach((customer, rank) => {
    const previous = sorted[rank - 1];
    rankOf.set(customer.id, previous && order(previous, customer) === 0 ? rankOf.get(previous.id)! : rank);
  });
  return rankOf;
}
