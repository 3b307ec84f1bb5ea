import type { FC } from 'hono/jsx';
import type { Formatter } from '../format.js';
import { TableScroll } from '../layout.js';
import type { readCustomer } from '../queries/customers.js';

type Customer = NonNullable<ReturnType<typeof readCustomer>>;

/** One row of the orders table: an order with what was refunded on it, or a refund that matches no order. */
type Entry =
  | { kind: 'order'; at: number; order: Customer['orders'][number] }
  | { kind: 'refund'; at: number; refund: Customer['refunds'][number] };

/** Lists orders and the refunds without an order together, latest first, at most `limit` rows. */
export function orderEntries(customer: Pick<Customer, 'orders' | 'refunds'>, limit = 100): Entry[] {
  const entries: Entry[] = [
    ...customer.orders.map((order) => ({ kind: 'order' as const, at: order.placedAt, order })),
    ...customer.refunds.map((refund) => ({ kind: 'refund' as const, at: refund.refundedAt, refund })),
  ];
  return entries.sort((a, b) => b.at - a.at).slice(0, limit);
}

/**
 * Renders the customer's orders, each with its value, the amount refunded on it and what is left, and the
 * refunds that match no order (an export's cancellation invoices, say) as rows of their own.
 */
export const OrdersCard: FC<{ format: Formatter; customer: Customer }> = ({ format, customer }) => {
  const entries = orderEntries(customer);
  const shownOrders = entries.filter((entry) => entry.kind === 'order').length;
  const shownRefunds = entries.length - shownOrders;
  const complete = shownOrders === customer.orderCount && shownRefunds === customer.refundCount;
  const refundsPart = customer.refundCount > 0 ? ` and ${format.count(customer.refundCount)} refunds without a matching order` : '';
  return (
    <section class="card" aria-labelledby="orders-title">
      <h2 id="orders-title">Orders</h2>
      {entries.length === 0 ? (
        <p>No orders yet.</p>
      ) : (
        <TableScroll label="Orders">
          <table data-table="orders">
            <caption class="muted small">
              {complete
                ? `Every order${customer.refundCount > 0 ? ' and refund without a matching order' : ''}, latest first`
                : `The latest ${format.count(entries.length)} of ${format.count(customer.orderCount)} orders${refundsPart}`}
              <span class="narrow-only">; items, value before refunds, source and coupon are left out on a narrow screen</span>
            </caption>
            <thead>
              <tr>
                <th scope="col">Placed</th>
                <th scope="col">Order</th>
                <th scope="col" class="num secondary">
                  Items
                </th>
                <th scope="col" class="num secondary">
                  Value
                </th>
                <th scope="col" class="num">
                  Refunded
                </th>
                <th scope="col" class="num">
                  Net
                </th>
                <th scope="col" class="secondary">
                  Source
                </th>
                <th scope="col" class="secondary">
                  Coupon
                </th>
              </tr>
            </thead>
            <tbody>{entries.map((entry) => (entry.kind === 'order' ? <OrderRow format={format} order={entry.order} /> : <RefundRow format={format} refund={entry.refund} />))}</tbody>
          </table>
        </TableScroll>
      )}
    </section>
  );
};

/** Formats minor units in the site's currency, or names another currency's minor units. */
const moneyIn = (format: Formatter, currency: string) => (minor: number) => (currency === format.currency ? format.money(minor) : `${minor} ${currency} (minor units)`);

const OrderRow: FC<{ format: Formatter; order: Customer['orders'][number] }> = ({ format, order }) => {
  const money = moneyIn(format, order.currency);
  return (
    <tr data-kind="order">
      <td class="wrap-narrow">{format.dateTime(order.placedAt)}</td>
      <th scope="row" class="name">
        {order.transactionId}
      </th>
      <td class="num secondary">{format.count((JSON.parse(order.items) as unknown[]).length)}</td>
      <td class="num secondary">{money(order.value)}</td>
      <td class="num">{order.refunded > 0 ? money(order.refunded) : '—'}</td>
      <td class="num">{money(order.value - order.refunded)}</td>
      <td class="secondary">{order.source + (order.confirmed ? ', confirmed' : '')}</td>
      <td class="secondary">{order.coupon ?? '—'}</td>
    </tr>
  );
};

const RefundRow: FC<{ format: Formatter; refund: Customer['refunds'][number] }> = ({ format, refund }) => {
  const money = moneyIn(format, refund.currency);
  return (
    <tr data-kind="refund" class="refund">
      <td class="wrap-narrow">{format.dateTime(refund.refundedAt)}</td>
      <th scope="row" class="name">
        {refund.id} <span class="muted small">refund without a matching order</span>
      </th>
      <td class="num secondary">—</td>
      <td class="num secondary">—</td>
      <td class="num">{money(refund.amount)}</td>
      <td class="num">{money(-refund.amount)}</td>
      <td class="secondary">{refund.source}</td>
      <td class="secondary">—</td>
    </tr>
  );
};
