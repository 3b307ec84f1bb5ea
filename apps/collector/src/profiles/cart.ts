import type { Item } from '@patron/protocol';

/** A cart line: an item with the quantity the visitor holds, its price in minor units of `currency`. */
export type CartLine = Item & { currency: string };

/**
 * Adds (`sign` 1) or removes (`sign` -1) items priced in `currency`; a line that reaches zero
 * leaves the cart. An add updates the line's price, a removal keeps it.
 */
export function changeCart(cart: CartLine[], items: Item[], currency: string, sign: 1 | -1): CartLine[] {
  const lines = new Map(cart.map((line) => [line.id, { ...line }]));
  for (const item of items) {
    const line = lines.get(item.id) ?? { ...item, currency, quantity: 0 };
    line.quantity += sign * item.quantity;
    if (sign > 0) {
      line.price = item.price;
      line.currency = currency;
    }
    if (line.quantity > 0) lines.set(item.id, line);
    else lines.delete(item.id);
  }
  return [...lines.values()];
}

/** Value of the lines priced in `currency`, in its minor units; lines in other currencies are left out. */
export const cartValue = (cart: CartLine[], currency: string) =>
  cart.reduce((sum, line) => (line.currency === currency ? sum + line.price * line.quantity : sum), 0);

export const cartQuantity = (cart: CartLine[]) => cart.reduce((sum, line) => sum + line.quantity, 0);
