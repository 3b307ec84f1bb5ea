import type { Item } from '@patron/protocol';

/** A cart line: an item with the quantity the visitor holds, its price in minor units. */
export type CartLine = Item;

/** Adds (`sign` 1) or removes (`sign` -1) items; a line that reaches zero leaves the cart. */
export function changeCart(cart: CartLine[], items: Item[], sign: 1 | -1): CartLine[] {
  const lines = new Map(cart.map((line) => [line.id, { ...line }]));
  for (const item of items) {
    const line = lines.get(item.id) ?? { ...item, quantity: 0 };
    line.quantity += sign * item.quantity;
    line.price = item.price;
    if (line.quantity > 0) lines.set(item.id, line);
    else lines.delete(item.id);
  }
  return [...lines.values()];
}

export const cartValue = (cart: CartLine[]) => cart.reduce((sum, line) => sum + line.price * line.quantity, 0);
export const cartQuantity = (cart: CartLine[]) => cart.reduce((sum, line) => sum + line.quantity, 0);
