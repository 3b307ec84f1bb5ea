import type { Context } from 'hono';
import type { FC } from 'hono/jsx';
import { ColumnChart } from '../charts.js';
import { type PreviousPeriod, describeChange, previousPeriod } from '../comparison.js';
import { type DashboardEnv, pageContext } from '../context.js';
import type { Formatter } from '../format.js';
import { Figure, Layout, TableScroll } from '../layout.js';
import { dashboardUrl } from '../links.js';
import { type Period, periodLabels, resolvePeriod } from '../period.js';
import { type Activity, type Totals, readActivity, readTotals } from '../queries/activity.js';
import { readFunnel } from '../queries/funnel.js';
import { readAbandonedCarts, readCustomerTotals, readFirstActivity, readLastOrder } from '../queries/overview.js';
import { sendPage } from '../render.js';
import { firstDayOfBucket } from '../time.js';
import { AbandonedCartsCard } from './abandoned-carts-card.js';
import { FunnelCard } from './funnel-card.js';
import { PeriodPicker } from './period-picker.js';

/** The period before the chosen one and its totals, to compare each total with. */
interface Comparison {
  previous: PreviousPeriod;
  totals: Totals;
}

/**
 * GET /dashboard: the site's activity over a period against the period before it, the purchase
 * funnel and the abandoned carts.
 */
export function overviewPage(c: Context<DashboardEnv>) {
  const context = pageContext(c);
  const { db, site } = c.var;
  const { format } = context;
  const now = Date.now();
  const firstActivity = readFirstActivity(db, site.key);
  const period = resolvePeriod(c.req.query(), context.timeZone, now, () => firstActivity);
  context.notices.push(...period.notices);

  const activity = readActivity(db, site, period, context.timeZone);
  const previous = previousPeriod(period, context.timeZone);
  const comparison = previous ? { previous, totals: readTotals(db, site, previous) } : undefined;
  const funnel = readFunnel(db, site.key, period);
  const carts = readAbandonedCarts(db, site, period, now);
  const customers = readCustomerTotals(db, site);
  const lastOrder = activity.totals.orders === 0 ? readLastOrder(db, site.key) : null;

  return sendPage(
    c,
    <Layout context={context} title="Overview" active="overview">
      <h1>Overview</h1>
      <p class="lead">How many people visit and buy, and how much they spend.</p>
      <dl class="figures" aria-label="All-time totals">
        <Figure label="Customers, all time" value={format.count(customers.customers)} metric="customers" note="people with at least one order" />
        <Figure label="Orders, all time" value={format.count(customers.orders)} metric="orders" />
        <Figure label="Revenue, all time" value={format.money(customers.revenue)} metric="revenue" note="after refunds" />
        <Figure label="Abandoned baskets now" value={format.count(carts.count)} metric="abandoned-carts" note={`worth ${format.money(carts.value)}`} />
      </dl>
      <PeriodPicker context={context} period={period} />
      <section class="card" aria-labelledby="activity-title">
        <h2 id="activity-title">
          {periodTitle(format, period)}, by {period.bucket}
        </h2>
        <ComparisonNote format={format} previous={previous} firstActivity={firstActivity} />
        {activity.totals.orders === 0 && lastOrder !== null ? (
          <p class="notice">
            No orders in this period. The latest order was on {format.date(lastOrder)};{' '}
            <a href={dashboardUrl('', { period: 'all', tz: context.tzParam })}>show all time</a>.
          </p>
        ) : null}
        <ActivityCharts format={format} period={period} activity={activity} comparison={comparison} />
      </section>
      <div class="grid">
        <FunnelCard format={format} funnel={funnel} />
        <AbandonedCartsCard context={context} carts={carts} minutes={site.abandonedCartMinutes} />
      </div>
    </Layout>,
  );
}

function periodTitle(format: Formatter, period: Period): string {
  const from = format.calendarDay(period.from, { dateStyle: 'medium' });
  const to = format.calendarDay(period.to, { dateStyle: 'medium' });
  const span = from === to ? from : `${from} to ${to}`;
  return period.name === 'custom' ? span : `${periodLabels[period.name]} (${span})`;
}

/** Names the days each total is compared with, and warns when the site's data begins within them. */
const ComparisonNote: FC<{ format: Formatter; previous: PreviousPeriod | undefined; firstActivity: number | null }> = ({ format, previous, firstActivity }) => {
  if (!previous) return <p class="muted small" data-note="comparison">All time has no earlier period to compare with.</p>;
  const from = format.calendarDay(previous.from, { dateStyle: 'medium' });
  const to = format.calendarDay(previous.to, { dateStyle: 'medium' });
  const partly = firstActivity !== null && firstActivity > previous.start && firstActivity < previous.end;
  return (
    <p class="muted small" data-note="comparison">
      Each total is compared with {previous.label}, {from === to ? from : `${from} to ${to}`}.
      {partly ? ` The first order or event was on ${format.date(firstActivity)}, so those days are only partly covered.` : ''}
    </p>
  );
};

const ActivityCharts: FC<{ format: Formatter; period: Period; activity: Activity; comparison: Comparison | undefined }> = ({ format, period, activity, comparison }) => {
  const label = bucketLabeller(format, period);
  const series = (pick: (point: Activity['points'][number]) => number) => activity.points.map((point) => ({ label: label(point.key), value: pick(point) }));
  const count = (value: number) => format.count(value);
  const money = (value: number) => format.money(value);
  const change = (field: keyof Totals, noun: string, formatValue: (value: number) => string) =>
    comparison ? describeChange(activity.totals[field], comparison.totals[field], { label: comparison.previous.label, noun, format, formatValue }) : undefined;
  return (
    <>
      <div class="grid charts">
        <ColumnChart
          title="Visitors"
          total={count(activity.totals.visitors)}
          change={change('visitors', 'visitors', count)}
          metric="period-visitors"
          points={series((point) => point.visitors)}
          formatValue={count}
        />
        <ColumnChart
          title="Customers who ordered"
          total={count(activity.totals.customers)}
          change={change('customers', 'customers', count)}
          metric="period-customers"
          points={series((point) => point.customers)}
          formatValue={count}
        />
        <ColumnChart
          title="Orders"
          total={count(activity.totals.orders)}
          change={change('orders', 'orders', count)}
          metric="period-orders"
          points={series((point) => point.orders)}
          formatValue={count}
        />
        <ColumnChart
          title="Revenue after refunds"
          total={money(activity.totals.revenue)}
          change={change('revenue', 'revenue', money)}
          metric="period-revenue"
          points={series((point) => point.revenue)}
          formatValue={money}
          formatAxis={(value) => format.moneyCompact(value)}
        />
      </div>
      <p class="muted small">
        Visitors and customers are counted once per {period.bucket}; the totals count each person once over the whole period.
      </p>
      <details>
        <summary>Show the numbers</summary>
        <TableScroll label="Activity by period">
          <table data-table="activity">
            <caption>
              Activity by {period.bucket}
              <span class="narrow-only muted small">; customers are left out on a narrow screen, and their chart is above</span>
            </caption>
            <thead>
              <tr>
                <th scope="col">{bucketHeadings[period.bucket]}</th>
                <th scope="col" class="num">Visitors</th>
                <th scope="col" class="num secondary">
                  Customers
                </th>
                <th scope="col" class="num">Orders</th>
                <th scope="col" class="num">Revenue</th>
              </tr>
            </thead>
            <tbody>
              {activity.points.map((point) => (
                <tr>
                  <th scope="row">{label(point.key)}</th>
                  <td class="num">{format.count(point.visitors)}</td>
                  <td class="num secondary">{format.count(point.customers)}</td>
                  <td class="num">{format.count(point.orders)}</td>
                  <td class="num">{format.money(point.revenue)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      </details>
    </>
  );
};

const bucketHeadings = { day: 'Day', week: 'Week starting', month: 'Month' } as const;

function bucketLabeller(format: Formatter, period: Period): (key: number) => string {
  const withYear = period.from.year !== period.to.year;
  if (period.bucket === 'month') return (key) => format.calendarDay(firstDayOfBucket(key, 'month'), { month: 'short', year: 'numeric' });
  const options: Intl.DateTimeFormatOptions = withYear ? { day: 'numeric', month: 'short', year: 'numeric' } : { day: 'numeric', month: 'short' };
  return (key) => format.calendarDay(firstDayOfBucket(key, period.bucket), options);
}
