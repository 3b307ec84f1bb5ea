import { amountSchema, currencySchema, itemSchema, toMinorUnits, type Item } from '@patron/protocol';
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { SiteConfig } from '../../config/schema.js';
import type { Db } from '../../db/open.js';
import { identities, orders } from '../../db/schema.js';
import { HttpError } from '../../http/errors.js';
import { userProfileId, visitorProfileId } from '../../profiles/identity.js';
import { addOrder, updateProfile } from '../../profiles/totals.js';

/** The body of `POST /v1/admin/sites/:site/orders`, sent by the shop's backend. */
export const confirmOrderSchema = z
  .object({
    transactionId: z.string().min(1).max(128),
    value: amountSchema,
    currency: currencySchema,
    /** The shop's customer id, as passed to identify; or `visitorId` for a guest. */
    customerId: z.string().min(1).max(256).optional(),
    visitorId: z.string().min(1).max(64).optional(),
    placedAt: z.number().int().positive().optional(),
    items: z.array(itemSchema).max(200).default([]),
  })
  .refine((body) => body.customerId !== undefined || body.visitorId !== undefined, {
    message: 'needs customerId or visitorId, so that the order belongs to someone',
    path: ['customerId'],
  });

export type ConfirmOrder = z.output<typeof confirmOrderSchema>;

/**
 * Confirms an order from the shop's backend. An order the browser already reported is marked
 * confirmed; an order Patron has not seen is created, confirmed, and counted in the customer's
 * profile. Returns what happened.
 */
export function confirmOrder(db: Db, site: SiteConfig, body: ConfirmOrder): { transactionId: string; status: 'confirmed' | 'created' | 'already_confirmed' } {
  const money = (amount: number | string, path: string) => {
    const result = toMinorUnits(amount, body.currency);
    if (!result.ok) throw new HttpError(400, 'invalid_body', `${path}: ${result.message}`, [{ path, message: result.message }]);
    return result.minor;
  };
  const value = money(body.value, 'value');
  const items: Item[] = body.items.map((item, index) => ({ ...item, price: money(item.price, `items.${index}.price`) }));

  return db.transaction((tx) => {
    const key = and(eq(orders.siteKey, site.key), eq(orders.transactionId, body.transactionId));
    const existing = tx.select({ confirmed: orders.confirmed }).from(orders).where(key).get();
    if (existing) {
      if (existing.confirmed) return { transactionId: body.transactionId, status: 'already_confirmed' as const };
      tx.update(orders).set({ confirmed: 1 }).where(key).run();
      return { transactionId: body.transactionId, status: 'confirmed' as const };
    }

    let profileId = body.customerId ? userProfileId(body.customerId) : visitorProfileId(body.visitorId!);
    if (!body.customerId) {
      const linked = tx
        .select({ profileId: identities.profileId })
        .from(identities)
        .where(and(eq(identities.siteKey, site.key), eq(identities.visitorId, body.visitorId!)))
        .get();
      profileId = linked?.profileId ?? profileId;
    }
    const placedAt = body.placedAt ?? Date.now();
    tx.insert(orders)
      .values({
        siteKey: site.key,
        transactionId: body.transactionId,
        profileId,
        visitorId: body.visitorId ?? null,
        placedAt,
        currency: body.currency,
        value,
        items: JSON.stringify(items),
        source: 'server',
        confirmed: 1,
      })
      .run();
    updateProfile(tx, site.key, profileId, body.customerId ?? null, placedAt, (profile) =>
      addOrder(profile, { placedAt, currency: body.currency, value, items }, site.currency),
    );
    return { transactionId: body.transactionId, status: 'created' as const };
  });
}

