import type { Context } from 'hono';
import { TierDefinitions } from './definitions.js';
import type { FC } from 'hono/jsx';
import { listCustomers } from '../../value/queries.js';
import { segments, tiers } from '../../value/segments.js';
import { type DashboardEnv, type PageContext, pageContext } from '../context.js';
import { Layout, TableScroll } from '../layout.js';
import { customerUrl, dashboardUrl } from '../links.js';
import { type NamedCustomer, searchProfiles, withNames } from '../queries/customers.js';
import { sendPage } from '../render.js';

export const PAGE_SIZE = 50;
const segmentNames: string[] = segments.map((segment) => segment.name);
const tierNames: string[] = tiers.map((tier) => tier.name);

/**
 * GET /dashboard/customers: customers by revenue, filtered by segment and tier, a page of 50 at a
 * time, or the profiles that match a search, each under their name (see names.ts).
 * Pages use LIMIT and OFFSET over the (site_key, revenue) and (site_key, segment, revenue) indexes.
 */
export function customersPage(c: Context<DashboardEnv>) {
  const context = pageContext(c);
  const { db, site } = c.var;
  const query = c.req.query();
  const segment = segmentNames.includes(query.segment ?? '') ? query.segment : undefined;
  const tier = tierNames.includes(query.tier ?? '') ? query.tier : undefined;
  if (query.segment && !segment) context.notices.push(`Unknown segment "${query.segment}", so every segment is shown.`);
  if (query.tier && !tier) context.notices.push(`Unknown tier "${query.tier}", so every tier is shown.`);
  const search = (query.q ?? '').trim().slice(0, 200);
  const requestedPage = /^\d{1,9}$/.test(query.page ?? '') ? Number(query.page) : 1;

  let items: NamedCustomer[];
  let total: number;
  let page = Math.max(1, requestedPage);
  if (search) {
    items = searchProfiles(db, site.key, search, PAGE_SIZE);
    total = items.length;
    page = 1;
  } else {
    const listed = listCustomers(db, site.key, { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE, segment, tier });
    total = listed.total;
    items = withNames(db, site.key, listed.items);
    const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
    if (page > pages) {
      context.notices.push(`There are only ${context.format.count(pages)} pages, so the last one is shown.`);
      page = pages;
      items = withNames(db, site.key, listCustomers(db, site.key, { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE, segment, tier }).items);
    }
  }
  const filters = { segment, tier, tz: context.tzParam };

  return sendPage(
    c,
    <Layout context={context} title="Customers" active="customers">
      <h1>Customers</h1>
      <p class="lead">Your customers, most valuable first: revenue after refunds, from every order they placed.</p>
      <TierDefinitions />
      <form class="filters" method="get" action={dashboardUrl('/customers')} role="search">
        <label>
          Search
          <input type="search" name="q" value={search} placeholder="Name, email, user id or visitor id" size={30} />
        </label>
        <label>
          Segment
          <select name="segment">
            <option value="">Every segment</option>
            {segmentNames.map((name) => (
              <option value={name} selected={name === segment}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Tier
          <select name="tier">
            <option value="">Every tier</option>
            {tierNames.map((name) => (
              <option value={name} selected={name === tier}>
                {name}
              </option>
            ))}
          </select>
        </label>
        {context.tzParam ? <input type="hidden" name="tz" value={context.tzParam} /> : null}
        <button type="submit" class="primary">
          Show
        </button>
        {search || segment || tier ? <a href={dashboardUrl('/customers', { tz: context.tzParam })}>Clear</a> : null}
      </form>
      <section class="card">
        <p data-metric="customer-count">
          {search
            ? `${context.format.count(total)} ${total === 1 ? 'profile matches' : 'profiles match'} “${search}”${total === PAGE_SIZE ? ' (the first 50 are shown)' : ''}.`
            : `${context.format.count(total)} ${total === 1 ? 'customer' : 'customers'}${segment ? ` in segment ${segment}` : ''}${tier ? ` in tier ${tier}` : ''}.`}
        </p>
        {items.length === 0 ? (
          <p>{search ? 'Nothing matches. Search for part of a name or email, a whole user id, or the start of a visitor id.' : 'No customers yet: they appear here after their first order.'}</p>
        ) : (
          <CustomerTable context={context} items={items} firstRank={search ? undefined : (page - 1) * PAGE_SIZE + 1} />
        )}
        {search ? null : <Pager context={context} page={page} total={total} filters={filters} />}
      </section>
    </Layout>,
  );
}

/**
 * Renders the list of customers. On a narrow screen the columns marked "secondary" are hidden, so that the
 * name, segment, revenue and last order fit a phone without scrolling sideways.
 */
const CustomerTable: FC<{ context: PageContext; items: NamedCustomer[]; firstRank: number | undefined }> = ({ context, items, firstRank }) => {
  const { format } = context;
  const anyPrediction = items.some((item) => item.predictedValue !== null);
  return (
    <>
      <p class="narrow-only muted small">On a narrow screen the list leaves out rank, tier, orders and predictions; each customer's page has them.</p>
      <TableScroll label="Customers">
        <table data-table="customers">
          <caption>Customers by revenue</caption>
          <thead>
            <tr>
              {firstRank === undefined ? null : (
                <th scope="col" class="num secondary">
                  Rank
                </th>
              )}
              <th scope="col">Customer</th>
              <th scope="col">Segment</th>
              <th scope="col" class="secondary">
                Tier
              </th>
              <th scope="col" class="num secondary">
                Orders
              </th>
              <th scope="col" class="num">
                Revenue
              </th>
              <th scope="col">Last order</th>
              {anyPrediction ? (
                <>
                  <th scope="col" class="num secondary">
                    Predicted value
                  </th>
                  <th scope="col" class="num secondary">
                    Still active
                  </th>
                </>
              ) : null}
            </tr>
          </thead>
          <tbody>
            {items.map((item, index) => (
              <tr data-id={item.id}>
                {firstRank === undefined ? null : <td class="num secondary">{format.count(firstRank + index)}</td>}
                <th scope="row" class="name">
                  <a href={customerUrl(item.id, context.tzParam)} title={item.id}>
                    {item.name}
                  </a>
                </th>
                <td class="wrap-narrow">{item.segment ?? '—'}</td>
                <td class="secondary">{item.tier ?? '—'}</td>
                <td class="num secondary">{format.count(item.orders)}</td>
                <td class="num">{format.money(item.revenue)}</td>
                <td class="wrap-narrow">{format.date(item.lastOrderAt)}</td>
                {anyPrediction ? (
                  <>
                    <td class="num secondary">{item.predictedValue === null ? '—' : format.money(item.predictedValue)}</td>
                    <td class="num secondary">{item.probabilityAlive === null ? '—' : format.percent(item.probabilityAlive)}</td>
                  </>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
    </>
  );
};

const Pager: FC<{ context: PageContext; page: number; total: number; filters: Record<string, string | undefined> }> = ({ context, page, total, filters }) => {
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  if (pages === 1) return null;
  const first = (page - 1) * PAGE_SIZE + 1;
  const last = Math.min(total, page * PAGE_SIZE);
  const link = (target: number) => dashboardUrl('/customers', { ...filters, page: target === 1 ? undefined : target });
  return (
    <nav class="pager" aria-label="Pages of customers">
      {page > 1 ? <a href={link(1)}>First</a> : null}
      {page > 1 ? (
        <a href={link(page - 1)} rel="prev">
          Previous
        </a>
      ) : null}
      <span>
        {context.format.count(first)}–{context.format.count(last)} of {context.format.count(total)} (page {context.format.count(page)} of {context.format.count(pages)})
      </span>
      {page < pages ? (
        <a href={link(page + 1)} rel="next">
          Next
        </a>
      ) : null}
      {page < pages ? <a href={link(pages)}>Last</a> : null}
    </nav>
  );
};
