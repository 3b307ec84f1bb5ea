import { amountSchema, clientIdSchema, currencySchema, itemSchema, toMinorUnits, type Item } from '@patron/protocol';
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { SiteConfig } from '../../config/schema.js';
import { type Db, type Tx, IMMEDIATE } from '../../db/open.js';
import { identities, orders } from '../../db/schema.js';
import { HttpError } from '../../http/errors.js';
import { userProfileId, visitorProfileId } from '../../profiles/identity.js';
import { recountOrders } from '../../profiles/recount.js';
import { addOrder, updateProfile } from '../../profiles/totals.js';

/** The body of `POST /v1/admin/sites/:site/orders`, sent by the shop's backend. */
export const confirmOrderSchema = z
  .object({
    transactionId: z.string().min(1).max(128),
    value: amountSchema,
    currency: currencySchema,
    /** The shop's customer id, as passed to identify; or `visitorId` for a guest. */
    customerId: z.string().min(1).max(256).optional(),
    visitorId: clientIdSchema.optional(),
    /** Epoch milliseconds, from 2000 to a day from now. */
    placedAt: z
      .number()
      .int()
      .refine((time) => time >= Date.UTC(2000, 0, 1) && time <= Date.now() + 24 * 60 * 60 * 1000, {
        message: 'must be epoch milliseconds between 2000-01-01 and a day from now',
      })
      .optional(),
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
    if (result.minor < 0) {
      const message = `amount ${amount} is negative; send the order's value, and refunds as refund events`;
      throw new HttpError(400, 'invalid_body', `${path}: ${message}`, [{ path, message }]);
    }
    return result.minor;
  };
  const value = money(body.value, 'value');
  const items: Item[] = body.items.map((item, index) => ({ ...item, price: money(item.price, `items.${index}.price`) }));

  return db.transaction((tx) => {
    const key = and(eq(orders.siteKey, site.key), eq(orders.transactionId, body.transactionId));
    const existing = tx.select().from(orders).where(key).get();
    const owner = resolveOwner(tx, site.key, body);
    if (existing?.confirmed) {
      const differences = [
        existing.value !== value && `value ${existing.value} ≠ ${value} minor units`,
        existing.currency !== body.currency && `currency ${existing.currency} ≠ ${body.currency}`,
        body.customerId !== undefined && existing.profileId !== owner && `customer ${existing.profileId} ≠ ${owner}`,
      ].filter(Boolean);
      if (differences.length > 0) {
        throw new HttpError(409, 'conflict', `Order "${body.transactionId}" was already confirmed with other details (${differences.join(', ')}); a confirmed order cannot change`);
      }
      return { transactionId: body.transactionId, status: 'already_confirmed' as const };
    }
    if (existing) {
      // The backend's details win over what a browser reported, which anyone can forge.
      const profileId = body.customerId !== undefined ? owner : existing.profileId;
      tx.update(orders)
        .set({ confirmed: 1, value, currency: body.currency, profileId, ...(items.length > 0 ? { items: JSON.stringify(items) } : {}) })
        .where(key)
        .run();
      if (profileId !== existing.profileId) {
        updateProfile(tx, site.key, profileId, body.customerId ?? null, existing.placedAt, () => {});
        recountOrders(tx, site.key, existing.profileId, site.currency);
      }
      recountOrders(tx, site.key, profileId, site.currency);
      return { transactionId: body.transactionId, status: 'confirmed' as const };
    }

    const profileId = owner;
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
  }, IMMEDIATE);
}



/** Finds the profile an order belongs to: the named customer, else the profile linked to the visitor id. */
function resolveOwner(tx: Tx, siteKey: string, body: ConfirmOrder): string {
  if (body.customerId) return userProfileId(body.customerId);
  const linked = tx
    .select({ profileId: identities.profileId })
    .from(identities)
    .where(and(eq(identities.siteKey, siteKey), eq(identities.visitorId, body.visitorId!)))
    .get();
  return linked?.profileId ?? visitorProfileId(body.visitorId!);
}
