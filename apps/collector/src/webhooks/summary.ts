import type { profiles } from '../db/schema.js';
import { cartQuantity, type CartLine } from '../profiles/cart.js';

type ProfileRow = typeof profiles.$inferSelect;

/** What a webhook tells the receiver about the customer. Money is in minor units of `currency`. */
export interface CustomerSummary {
  id: string;
  userId: string | null;
  /** The email the shop sent in identify traits, if it sent one. */
  email: string | null;
  /** Every trait the shop sent with identify, as sent. */
  traits: Record<string, unknown>;
  segment: string | null;
  tier: string | null;
  orders: number;
  revenue: number;
  lastOrderAt: string | null;
  probabilityAlive: number | null;
  predictedValue: number | null;
  cart: { items: Array<{ id: string; name: string; quantity: number; price: number }>; quantity: number; value: number };
  currency: string;
}

/** Summarises a profile for a webhook body. */
export function summarizeCustomer(row: ProfileRow, currency: string): CustomerSummary {
  const traits = JSON.parse(row.traits) as Record<string, unknown>;
  const lines = JSON.parse(row.cart) as CartLine[];
  return {
    id: row.id,
    userId: row.userId,
    email: typeof traits.email === 'string' ? traits.email : null,
    traits,
    segment: row.segment,
    tier: row.tier,
    orders: row.orders,
    revenue: row.revenue,
    lastOrderAt: row.lastOrderAt === null ? null : new Date(row.lastOrderAt).toISOString(),
    probabilityAlive: row.probabilityAlive,
    predictedValue: row.predictedValue,
    cart: {
      items: lines.map((line) => ({ id: line.id, name: line.name, quantity: line.quantity, price: line.price })),
      quantity: cartQuantity(lines),
      value: row.cartValue,
    },
    currency,
  };
}
