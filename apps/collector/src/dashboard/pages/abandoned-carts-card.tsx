import type { FC } from 'hono/jsx';
import type { PageContext } from '../context.js';
import { TableScroll } from '../layout.js';
import { customerUrl } from '../links.js';
import { customerName } from '../names.js';
import type { AbandonedCarts } from '../queries/overview.js';

/** The baskets abandoned now, with their value and the ten largest. */
export const AbandonedCartsCard: FC<{ context: PageContext; carts: AbandonedCarts; minutes: number }> = ({ context, carts, minutes }) => (
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
        <table data-table="abandoned-carts">
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
                <th scope="row" class="name">
                  <a href={customerUrl(cart.id, context.tzParam)}>{customerName(cart)}</a>
                </th>
                <td class="num">{context.format.money(cart.value)}</td>
                <td class="wrap-narrow">{context.format.dateTime(cart.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
    )}
  </section>
);
