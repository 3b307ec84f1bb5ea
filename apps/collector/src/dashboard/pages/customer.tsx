import type { Context } from 'hono';
import type { FC } from 'hono/jsx';
import { HttpError } from '../../http/errors.js';
import { describeProfile, type ProfileView } from '../../profiles/read.js';
import { type DashboardEnv, type PageContext, pageContext } from '../context.js';
import type { Formatter } from '../format.js';
import { Figure, Layout, TableScroll } from '../layout.js';
import { dashboardUrl } from '../links.js';
import { customerName } from '../names.js';
import { readCustomer } from '../queries/customers.js';
import { sendPage } from '../render.js';
import { OrdersCard } from './customer-orders.js';

type Customer = NonNullable<ReturnType<typeof readCustomer>>;

const eventLabels: Record<string, string> = {
  page_view: 'Viewed a page',
  view_item: 'Viewed a product',
  add_to_cart: 'Added to basket',
  remove_from_cart: 'Removed from basket',
  begin_checkout: 'Began checkout',
  purchase: 'Purchased',
  refund: 'Refunded',
  identify: 'Signed in',
  offer_exposure: 'Saw an offer',
  offer_click: 'Clicked an offer',
  offer_dismiss: 'Closed an offer',
};

const groupLabels: Record<string, string> = {
  treatment: 'shown',
  control: 'held back (control group)',
  holdout: 'held back (programme holdout)',
};

/**
 * GET /dashboard/customers/:id: one profile of the signed-in site with its orders, recent events,
 * interests, products viewed but not bought, and the offers decided for it.
 */
export function customerPage(c: Context<DashboardEnv>) {
  const context = pageContext(c);
  const { db, site } = c.var;
  const id = c.req.param('id') ?? '';
  const customer = readCustomer(db, site.key, id);
  if (!customer) throw new HttpError(404, 'not_found', `No customer "${id}" on site "${site.key}". Customer ids look like "u:<user id>" or "v:<visitor id>".`);
  const view = describeProfile(customer.profile, Date.now(), site.abandonedCartMinutes * 60_000);
  const { format } = context;
  const { profile } = customer;
  const email = typeof view.traits.email === 'string' ? view.traits.email : undefined;
  const name = customerName(profile);

  return sendPage(
    c,
    <Layout context={context} title={`Customer ${name}`} active="customers">
      <p class="small">
        <a href={dashboardUrl('/customers', { tz: context.tzParam })}>← All customers</a>
      </p>
      <h1 class="name">{name}</h1>
      <p class="lead">
        {[`Customer ${id}`, view.userId ? `User id ${view.userId}` : 'Not signed in yet', email].filter(Boolean).join(' · ')} · first seen {format.date(view.firstSeen)},
        last seen {format.date(view.lastSeen)}
      </p>
      <dl class="figures" aria-label="Customer figures">
        <Figure label="Orders" value={format.count(view.orders)} metric="customer-orders" />
        <Figure label="Revenue" value={format.money(view.revenue)} metric="customer-revenue" note={view.refunded > 0 ? `after ${format.money(view.refunded)} refunded` : 'after refunds'} />
        <Figure label="Average order" value={view.averageOrderValue === null ? '—' : format.money(view.averageOrderValue)} metric="customer-average-order" />
        <Figure label="Segment" value={profile.segment ?? 'not scored'} metric="customer-segment" note={profile.tier ? `${profile.tier} tier` : undefined} />
        <Figure
          label="Predicted value"
          value={profile.predictedValue === null ? '—' : format.money(profile.predictedValue)}
          metric="customer-predicted-value"
          note={profile.probabilityAlive === null ? 'needs usable value models' : `${format.percent(profile.probabilityAlive)} likely still active`}
        />
        <Figure label="Visits" value={format.count(view.sessions)} metric="customer-sessions" note={`${format.count(view.pageViews)} page views`} />
      </dl>
      <div class="grid">
        <BasketCard format={format} view={view} />
        <InterestsCard format={format} view={view} />
      </div>
      <OrdersCard format={format} customer={customer} />
      <OffersCard format={format} customer={customer} />
      <EventsCard context={context} customer={customer} />
      {Object.keys(view.traits).length > 0 ? (
        <section class="card" aria-labelledby="traits-title">
          <h2 id="traits-title">Traits</h2>
          <TableScroll label="Traits">
            <table>
              <caption class="muted small">Sent by the shop when the customer signed in</caption>
              <tbody>
                {Object.entries(view.traits).map(([name, value]) => (
                  <tr>
                    <th scope="row">{name}</th>
                    <td class="wrap">{typeof value === 'string' ? value : JSON.stringify(value)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
        </section>
      ) : null}
    </Layout>,
  );
}

const BasketCard: FC<{ format: Formatter; view: ProfileView }> = ({ format, view }) => (
  <section class="card" aria-labelledby="basket-title">
    <h2 id="basket-title">Basket</h2>
    {view.cart.lines.length === 0 ? (
      <p>The basket is empty.</p>
    ) : (
      <>
        <p>
          {format.count(view.cart.quantity)} items worth {format.money(view.cart.value)}, last changed {format.dateTime(view.cart.updatedAt)}
          {view.cart.abandoned ? <strong> · abandoned</strong> : null}
        </p>
        <TableScroll label="Basket">
          <table>
            <caption class="muted small">Basket contents</caption>
            <thead>
              <tr>
                <th scope="col">Product</th>
                <th scope="col" class="num">Quantity</th>
                <th scope="col" class="num">Price</th>
              </tr>
            </thead>
            <tbody>
              {view.cart.lines.map((line) => (
                <tr>
                  <th scope="row">{line.name}</th>
                  <td class="num">{format.count(line.quantity)}</td>
                  <td class="num">{line.currency === format.currency ? format.money(line.price) : `${line.price} ${line.currency} (minor units)`}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      </>
    )}
  </section>
);

const InterestsCard: FC<{ format: Formatter; view: ProfileView }> = ({ format, view }) => {
  const categories = Object.entries(view.interests.categories)
    .sort((a, b) => b[1].count - a[1].count || a[0].localeCompare(b[0]))
    .slice(0, 8);
  const notBought = view.viewedNotBought.slice(0, 10);
  return (
    <section class="card" aria-labelledby="interests-title">
      <h2 id="interests-title">Interests</h2>
      {categories.length === 0 ? (
        <p>No product views recorded.</p>
      ) : (
        <p>
          Most viewed categories:{' '}
          {categories.map(([name, counted], index) => (
            <>
              {index > 0 ? ', ' : ''}
              {name} ({format.count(counted.count)})
            </>
          ))}
        </p>
      )}
      <h3>Viewed but not bought</h3>
      {notBought.length === 0 ? (
        <p>Nothing: every product viewed was bought, or none was viewed.</p>
      ) : (
        <ul data-list="viewed-not-bought">
          {notBought.map((product) => (
            <li>
              {product.name} <span class="muted">({format.count(product.views)} {product.views === 1 ? 'view' : 'views'})</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
};

const OffersCard: FC<{ format: Formatter; customer: Customer }> = ({ format, customer }) => (
  <section class="card" aria-labelledby="offers-title">
    <h2 id="offers-title">Offers decided for this customer</h2>
    {customer.offersSeen.length === 0 ? (
      <p>No offer has been decided for this customer yet.</p>
    ) : (
      <TableScroll label="Offers decided">
        <table data-table="offers-seen">
          <caption class="muted small">The latest 50 decisions, previews left out</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Offer</th>
              <th scope="col">Variant</th>
              <th scope="col">Outcome</th>
              <th scope="col" class="secondary">
                Placement
              </th>
            </tr>
          </thead>
          <tbody>
            {customer.offersSeen.map((decision) => (
              <tr>
                <td class="wrap-narrow">{format.dateTime(decision.decidedAt)}</td>
                <th scope="row">{decision.offerId ?? (decision.group === 'holdout' ? 'any offer' : 'none matched')}</th>
                <td>{decision.variant ?? '—'}</td>
                <td>{decision.group ? (groupLabels[decision.group] ?? decision.group) : 'nothing to show'}</td>
                <td class="secondary">{decision.placement ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
    )}
  </section>
);

const EventsCard: FC<{ context: PageContext; customer: Customer }> = ({ context, customer }) => {
  const { format } = context;
  return (
    <section class="card" aria-labelledby="events-title">
      <h2 id="events-title">Recent activity</h2>
      {customer.recentEvents.length === 0 ? (
        <p>No tracked visits. Imported orders come without page views.</p>
      ) : (
        <TableScroll label="Recent activity">
          <table data-table="events">
            <caption class="muted small">The latest 50 events from {format.count(customer.visitorIds.length)} browser{customer.visitorIds.length === 1 ? '' : 's'}</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">What</th>
                <th scope="col">Page</th>
                <th scope="col" class="num">Value</th>
              </tr>
            </thead>
            <tbody>
              {customer.recentEvents.map((event) => (
                <tr>
                  <td class="wrap-narrow">{format.dateTime(event.occurredAt)}</td>
                  <th scope="row">{event.type === 'custom' ? `Custom: ${event.name ?? ''}` : (eventLabels[event.type] ?? event.type)}</th>
                  <td class="wrap">{event.title ?? pathOf(event.url)}</td>
                  <td class="num">{eventValue(format, event)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
    </section>
  );
};

/** Formats an event's value in the site's currency, or as minor units of another currency. */
function eventValue(format: Formatter, event: { value: number | null; currency: string | null }): string {
  if (event.value === null) return '';
  if (event.currency === null || event.currency === format.currency) return format.money(event.value);
  return `${event.value} ${event.currency} (minor units)`;
}

function pathOf(url: string | null): string {
  if (!url) return '';
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}
