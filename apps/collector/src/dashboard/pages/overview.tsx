import type { Context } from 'hono';
import type { FC } from 'hono/jsx';
import { BarTable, ColumnChart } from '../charts.js';
import { type DashboardEnv, type PageContext, pageContext } from '../context.js';
import type { Formatter } from '../format.js';
import { Figure, Layout, TableScroll } from '../layout.js';
import { customerUrl, dashboardUrl } from '../links.js';
import { type Period, formatDay, periodLabels, periodNames, resolvePeriod } from '../period.js';
import { readAbandonedCarts, readActivity, readCustomerTotals, readFirstActivity, readFunnel, readLastOrder, type Activity, type AbandonedCarts } from '../queries/overview.js';
import { sendPage } from '../render.js';
import { firstDayOfBucket } from '../time.js';

/** GET /dashboard: the site's activity over a period, the purchase funnel and the abandoned carts. */
export function overviewPage(c: Context<DashboardEnv>) {
  const context = pageContext(c);
  const { db, site } = c.var;
  const now = Date.now();
  const period = resolvePeriod(c.req.query(), context.timeZone, now, () => readFirstActivity(db, site.key));
  context.notices.push(...period.notices);

  const activity = readActivity(db, site, period, context.timeZone);
  const funnel = readFunnel(db, site.key, period);
  const carts = readAbandonedCarts(db, site, period, now);
  const customers = readCustomerTotals(db, site.key);
  const lastOrder = activity.totals.orders === 0 ? readLastOrder(db, site.key) : null;

  return sendPage(
    c,
    <Layout context={context} title="Overview" active="overview">
      <h1>Overview</h1>
      <p class="lead">How many people visit and buy, and how much they spend.</p>
      <dl class="figures" aria-label="All-time totals">
        <Figure label="Customers, all time" value={context.format.count(customers.customers)} metric="customers" note="people with at least one order" />
        <Figure label="Orders, all time" value={context.format.count(customers.orders)} metric="orders" />
        <Figure label="Revenue, all time" value={context.format.money(customers.revenue)} metric="revenue" note="after refunds" />
        <Figure
          label="Abandoned baskets now"
          value={context.format.count(carts.count)}
          metric="abandoned-carts"
          note={`worth ${context.format.money(carts.value)}`}
        />
      </dl>
      <PeriodPicker context={context} period={period} />
      <section class="card" aria-labelledby="activity-title">
        <h2 id="activity-title">
          {periodTitle(context.format, period)}, by {period.bucket}
        </h2>
        {activity.totals.orders === 0 && lastOrder !== null ? (
          <p class="notice">
            No orders in this period. The latest order was on {context.format.date(lastOrder)};{' '}
            <a href={dashboardUrl('', { period: 'all', tz: context.tzParam })}>show all time</a>.
          </p>
        ) : null}
        <ActivityCharts format={context.format} period={period} activity={activity} />
      </section>
      <div class="grid">
        <section class="card" aria-labelledby="funnel-title">
          <h2 id="funnel-title">From product view to purchase</h2>
          <p class="muted small">Distinct visitors with each step in the period. Imported orders have no visits, so they are not in the funnel.</p>
          <BarTable
            caption="Purchase funnel"
            headers={['Step', 'Visitors', 'Of previous step']}
            metric="funnel"
            rows={funnel.map((step, index) => {
              let ofPrevious = '';
              if (index > 0) {
                const before = funnel[index - 1]!.visitors;
                ofPrevious = before === 0 ? '—' : context.format.percent(step.visitors / before);
              }
              return { label: step.label, value: step.visitors, cells: [context.format.count(step.visitors), ofPrevious] };
            })}
          />
        </section>
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

const PeriodPicker: FC<{ context: PageContext; period: Period }> = ({ context, period }) => (
  <section class="card" aria-labelledby="period-title">
    <h2 id="period-title">Period</h2>
    <ul class="segmented">
      {periodNames.map((name) => (
        <li>
          <a href={dashboardUrl('', { period: name, tz: context.tzParam })} aria-current={period.name === name ? 'true' : undefined}>
            {periodLabels[name]}
          </a>
        </li>
      ))}
    </ul>
    <form class="filters" method="get" action={dashboardUrl('')}>
      <input type="hidden" name="period" value="custom" />
      <label>
        From
        <input type="date" name="from" value={formatDay(period.from)} required />
      </label>
      <label>
        To
        <input type="date" name="to" value={formatDay(period.to)} required />
      </label>
      <label>
        Bars by
        <select name="bucket">
          {(['day', 'week', 'month'] as const).map((bucket) => (
            <option value={bucket} selected={bucket === period.bucket}>
              {bucket}
            </option>
          ))}
        </select>
      </label>
      <label>
        Time zone
        <input name="tz" value={context.timeZone} list="time-zones" autocomplete="off" spellcheck={false} size={18} />
      </label>
      <datalist id="time-zones">
        {commonTimeZones.map((zone) => (
          <option value={zone} />
        ))}
      </datalist>
      <button type="submit" class="primary">
        Show
      </button>
    </form>
  </section>
);

/** A short list for the time-zone field's suggestions; any IANA name is accepted. */
const commonTimeZones = ['UTC', 'Europe/London', 'Europe/Paris', 'Europe/Berlin', 'America/New_York', 'America/Chicago', 'America/Los_Angeles', 'Asia/Tokyo', 'Australia/Sydney'];

const ActivityCharts: FC<{ format: Formatter; period: Period; activity: Activity }> = ({ format, period, activity }) => {
  const label = bucketLabeller(format, period);
  const series = (pick: (point: Activity['points'][number]) => number) => activity.points.map((point) => ({ label: label(point.key), value: pick(point) }));
  const count = (value: number) => format.count(value);
  return (
    <>
      <div class="grid charts">
        <ColumnChart title="Visitors" total={format.count(activity.totals.visitors)} metric="period-visitors" points={series((point) => point.visitors)} formatValue={count} />
        <ColumnChart title="Customers who ordered" total={format.count(activity.totals.customers)} metric="period-customers" points={series((point) => point.customers)} formatValue={count} />
        <ColumnChart title="Orders" total={format.count(activity.totals.orders)} metric="period-orders" points={series((point) => point.orders)} formatValue={count} />
        <ColumnChart
          title="Revenue after refunds"
          total={format.money(activity.totals.revenue)}
          metric="period-revenue"
          points={series((point) => point.revenue)}
          formatValue={(value) => format.money(value)}
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
            <caption>Activity by {period.bucket}</caption>
            <thead>
              <tr>
                <th scope="col">{bucketHeadings[period.bucket]}</th>
                <th scope="col" class="num">Visitors</th>
                <th scope="col" class="num">Customers</th>
                <th scope="col" class="num">Orders</th>
                <th scope="col" class="num">Revenue</th>
              </tr>
            </thead>
            <tbody>
              {activity.points.map((point) => (
                <tr>
                  <th scope="row">{label(point.key)}</th>
                  <td class="num">{format.count(point.visitors)}</td>
                  <td class="num">{format.count(point.customers)}</td>
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

const AbandonedCartsCard: FC<{ context: PageContext; carts: AbandonedCarts; minutes: number }> = ({ context, carts, minutes }) => (
  <section class="card" aria-labelledby="carts-title">
    <h2 id="carts-title">Abandoned baskets</h2>
    <p class="muted small">
      Baskets with items, unchanged for more than {context.format.count(minutes)} minutes and not bought: {context.format.count(carts.count)} worth{' '}
      {context.format.money(carts.value)}, {context.format.count(carts.inPeriod)} of them left in this period.
    </p>
    {carts.largest.length === 0 ? (
      <p>No abandoned baskets right now.</p>
    ) : (
      <TableScroll label="Largest abandoned baskets">
        <table>
          <caption>Largest abandoned baskets</caption>
          <thead>
            <tr>
              <th scope="col">Customer</th>
              <th scope="col" class="num">Basket</th>
              <th scope="col">Last changed</th>
            </tr>
          </thead>
          <tbody>
            {carts.largest.map((cart) => (
              <tr>
                <th scope="row">
                  <a href={customerUrl(cart.id, context.tzParam)}>{cart.id}</a>
                </th>
                <td class="num">{context.format.money(cart.value)}</td>
                <td>{context.format.dateTime(cart.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
    )}
  </section>
);
