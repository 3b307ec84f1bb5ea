import type { Item } from '@patron/protocol';
import type { events } from '../db/schema.js';

/** An accepted event as profiles need it, read from a stored row. */
export interface ProfileEvent {
  type: string;
  visitorId: string;
  sessionId: string;
  userId: string | null;
  occurredAt: number;
  transactionId: string | null;
  currency: string | null;
  value: number | null;
  items: Item[];
  data: Record<string, unknown>;
}

export function toProfileEvent(row: typeof events.$inferSelect | typeof events.$inferInsert): ProfileEvent {
  return {
    type: row.type,
    visitorId: row.visitorId,
    sessionId: row.sessionId,
    userId: row.userId ?? null,
    occurredAt: row.occurredAt,
    transactionId: row.transactionId ?? null,
    currency: row.currency ?? null,
    value: row.value ?? null,
    items: row.items ? (JSON.parse(row.items) as Item[]) : [],
    data: row.data ? (JSON.parse(row.data) as Record<string, unknown>) : {},
  };
}
