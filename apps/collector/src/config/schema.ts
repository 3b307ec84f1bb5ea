import { currencyExponent } from '@patron/protocol';
import { z } from 'zod';
import { offerConfigSchema, offerSettingsSchema } from '../offers/schema.js';
import { webhookConfigSchema, webhookSettingsSchema } from '../webhooks/schema.js';
import { prioritySettingsSchema } from '../priority/schema.js';

const keyPattern = /^[a-z0-9][a-z0-9-]{0,63}$/;

export const siteConfigSchema = z
  .object({
    key: z.string().regex(keyPattern, 'must be 1 to 64 lowercase letters, digits or "-", such as "demo-shop"'),
    name: z.string().min(1).max(200).optional(),
    /**
     * Origins whose pages may send events and request offers, such as "https://shop.example".
     * "*" allows every origin. Pages served by the collector itself are always allowed.
     */
    allowedOrigins: z
      .array(
        z.string().refine((value) => value === '*' || isOrigin(value), {
          message: 'must be an origin such as "https://shop.example" (scheme, host and port only) or "*"',
        }),
      )
      .default([]),
    /** Currency of the shop, used to express cart values in offer conditions. */
    currency: z
      .string()
      .refine((code) => currencyExponent(code) !== undefined, { message: 'must be an ISO 4217 code such as "GBP"' })
      .default('GBP'),
    offers: z.array(offerConfigSchema).default([]),
    /** The holdout, caps across offers, attribution window and minimum sample of the offer programme. */
    offerSettings: offerSettingsSchema,
    /** Endpoints that receive moments of the customer's journey, signed with their own secrets. */
    webhooks: z.array(webhookConfigSchema).default([]),
    webhookSettings: webhookSettingsSchema,
    /**
     * "required" accepts identify only with a userHash signed by the shop's server, and ignores the
     * user id other events carry, so that no browser can attach itself to a customer's profile.
     */
    identityVerification: z.enum(['off', 'required']).default('off'),
    /** Tier overrides and pass lifetime for serving the best customers first under overload. */
    priority: prioritySettingsSchema,
    /**
     * Secret for the admin API and server-side order confirmation, at least 24 characters. Write
     * "env:NAME" to read it from the environment variable NAME instead of this file. Without it,
     * the site's admin API rejects every request.
     */
    secretKey: z
      .string()
      .refine((value) => value.startsWith('env:') ? /^env:[A-Za-z_][A-Za-z0-9_]*$/.test(value) : value.length >= 24, {
        message: 'must be at least 24 characters, or "env:NAME" to read it from the environment variable NAME',
      })
      .optional(),
    /**
     * Days to keep raw rows: events other than purchases and refunds, quarantined events, offer
     * decisions and offer events. Older ones are deleted at start and every hour. Left out, nothing
     * is deleted by age.
     */
    retentionDays: z.number().int().min(30).max(36_500).optional(),
    /**
     * Store no events and decide no offers for requests that carry Global Privacy Control
     * (`Sec-GPC: 1`) or Do Not Track (`DNT: 1`).
     */
    honourPrivacySignals: z.boolean().default(false),
    /** Minutes after the last cart change when a cart with items and no purchase counts as abandoned. */
    abandonedCartMinutes: z.number().positive().default(30),
    /**
     * Score customers on confirmed orders only: orders the shop's backend confirmed or imported,
     * leaving out purchases that only a browser reported, which anyone can forge.
     */
    scoreConfirmedOrdersOnly: z.boolean().default(false),
    /** Days ahead that predicted lifetime value covers. */
    valueHorizonDays: z.number().int().min(30).max(3650).default(365),
    /** Yearly discount rate applied to predicted value, such as 0.1 for 10%. */
    yearlyDiscountRate: z.number().min(0).max(1).default(0.1),
    /** Minimum number of customers (profiles with an order) for RFM quintiles; fewer gives "not enough data". */
    minCustomersForScores: z.number().int().min(5).default(500),
  })
  .strict()
  .superRefine((site, ctx) => {
    const hooks = new Set<string>();
    site.webhooks.forEach((webhook, index) => {
      if (hooks.has(webhook.id)) {
        ctx.addIssue({ code: 'custom', path: ['webhooks', index, 'id'], message: `duplicates webhook id "${webhook.id}"; webhook ids must be unique per site` });
      }
      hooks.add(webhook.id);
    });
    const seen = new Set<string>();
    site.offers.forEach((offer, index) => {
      if (seen.has(offer.id)) {
        ctx.addIssue({ code: 'custom', path: ['offers', index, 'id'], message: `duplicates offer id "${offer.id}"; offer ids must be unique per site` });
      }
      seen.add(offer.id);
    });
    if (site.retentionDays !== undefined && site.retentionDays < site.offerSettings.attributionDays) {
      ctx.addIssue({
        code: 'custom',
        path: ['retentionDays'],
        message: `must be at least offerSettings.attributionDays (${site.offerSettings.attributionDays}), so that exposures are kept until their purchases can count`,
      });
    }
  });

export const configSchema = z
  .object({
    sites: z.array(siteConfigSchema).min(1, 'must list at least one site'),
  })
  .strict()
  .superRefine((config, ctx) => {
    const seen = new Set<string>();
    config.sites.forEach((site, index) => {
      if (seen.has(site.key)) {
        ctx.addIssue({ code: 'custom', path: ['sites', index, 'key'], message: `duplicates site key "${site.key}"; site keys must be unique` });
      }
      seen.add(site.key);
    });
  });

export type Config = z.infer<typeof configSchema>;
export type SiteConfig = z.infer<typeof siteConfigSchema>;
export type { OfferConfig } from '../offers/schema.js';

function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value;
  } catch {
    return false;
  }
}
