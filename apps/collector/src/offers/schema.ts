import { z } from 'zod';
import { conditionSchema } from './conditions.js';

const keyPattern = /^[a-z0-9][a-z0-9-]{0,63}$/;
const keyMessage = 'must be 1 to 64 lowercase letters, digits or "-", such as "basket-waiting"';

const reservedFields = ['id', 'variant', 'title', 'message', 'code', 'link', 'decisionId', 'click', 'dismiss'];

/** Content shown by the page; each variant may replace any of these fields. */
const content = {
  title: z.string().min(1).max(200).optional(),
  message: z.string().min(1).max(2000).optional(),
  code: z.string().max(64).optional(),
  /** An http(s) URL or a path on the shop, such as "/cart/"; other schemes such as javascript: could run script on the shop's pages. */
  link: z
    .string()
    .max(2048)
    .refine((value) => /^https?:\/\//i.test(value) || (value.startsWith('/') && !value.startsWith('//')), {
      message: 'must be an http:// or https:// URL or a path starting with "/", such as "/cart/"',
    })
    .optional(),
  /** Extra fields passed to the page unchanged, such as an image URL; they cannot replace the offer's own fields. */
  payload: z
    .record(z.string(), z.unknown())
    .refine((payload) => !Object.keys(payload).some((key) => reservedFields.includes(key)), {
      message: 'must not set id, variant, title, message, code, link, decisionId, click or dismiss, which the offer itself sets',
    })
    .optional(),
};

const variantSchema = z
  .object({
    id: z.string().regex(keyPattern, keyMessage),
    /** Relative share of the offer's audience; weights 1 and 3 give 25% and 75%. */
    weight: z.number().positive().max(10_000).default(1),
    ...content,
  })
  .strict();

const limit = z.number().int().positive().max(1_000_000).optional();

/**
 * How often a visitor may be served an offer: per page view, per session, in the last 24 hours,
 * in the last 7 days, and ever. Windows are rolling, so they need no time zone.
 */
export const capsSchema = z
  .object({ perPageView: limit, perSession: limit, perDay: limit, perWeek: limit, lifetime: limit })
  .strict()
  .default({});

export type Caps = z.infer<typeof capsSchema>;

const dateTime = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time with a time zone, such as "2026-12-01T00:00:00Z"' });

export const offerConfigSchema = z
  .object({
    id: z.string().regex(keyPattern, keyMessage),
    /** "paused" keeps the offer and its results but serves it to nobody. */
    status: z.enum(['active', 'paused']).default('active'),
    /** The highest priority among matching offers wins; ties go to the offer listed first. */
    priority: z.number().int().default(0),
    /** Placements where the offer may show; empty means every placement. */
    placements: z.array(z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1 to 64 letters, digits, "_", ".", ":" or "-", as pages request placements')).default([]),
    /** When the offer may be served; either end may be left open. */
    schedule: z.object({ start: dateTime.optional(), end: dateTime.optional() }).strict().default({}),
    /** Targeting condition; without it, the offer targets every visitor. */
    when: conditionSchema.optional(),
    ...content,
    variants: z.array(variantSchema).min(1).max(20).optional(),
    caps: capsSchema,
    /** Share of the offer's audience held back and recorded as its control group, from 0 to 0.5. */
    controlShare: z.number().min(0).max(0.5).default(0),
  })
  .strict()
  .superRefine((offer, ctx) => {
    const { start, end } = offer.schedule;
    if (start && end && Date.parse(start) >= Date.parse(end)) {
      ctx.addIssue({ code: 'custom', path: ['schedule', 'end'], message: `must be later than the start, ${start}` });
    }
    const seen = new Set<string>();
    (offer.variants ?? []).forEach((variant, index) => {
      if (seen.has(variant.id)) ctx.addIssue({ code: 'custom', path: ['variants', index, 'id'], message: `duplicates variant id "${variant.id}"` });
      seen.add(variant.id);
      for (const field of ['title', 'message'] as const) {
        if (variant[field] === undefined && offer[field] === undefined) {
          ctx.addIssue({ code: 'custom', path: ['variants', index, field], message: `is missing, and the offer has no ${field} for its variants to share` });
        }
      }
    });
    if (!offer.variants) {
      for (const field of ['title', 'message'] as const) {
        if (offer[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: 'is required unless every variant sets its own' });
      }
    }
  });

export type OfferInput = z.input<typeof offerConfigSchema>;
export type OfferConfig = z.infer<typeof offerConfigSchema>;

/** One variant with the offer's content filled in where the variant sets none. */
export interface ResolvedVariant {
  id: string;
  weight: number;
  title: string;
  message: string;
  code?: string;
  link?: string;
  payload: Record<string, unknown>;
}

/** Returns the offer's variants with their content complete; an offer without variants has one, "default". */
export function resolveVariants(offer: OfferConfig): ResolvedVariant[] {
  const variants = offer.variants ?? [{ id: 'default', weight: 1 }];
  return variants.map((variant) => {
    const resolved: ResolvedVariant = {
      id: variant.id,
      weight: variant.weight,
      title: (variant.title ?? offer.title)!,
      message: (variant.message ?? offer.message)!,
      payload: { ...offer.payload, ...variant.payload },
    };
    const code = variant.code ?? offer.code;
    const link = variant.link ?? offer.link;
    if (code !== undefined) resolved.code = code;
    if (link !== undefined) resolved.link = link;
    return resolved;
  });
}

/** Site-wide rules of the offer programme. */
export const offerSettingsSchema = z
  .object({
    /** Share of visitors who see no offer at all, so the whole programme can be measured; 0 to 0.5. */
    holdoutShare: z.number().min(0).max(0.5).default(0.02),
    /** Caps across all offers together. */
    caps: capsSchema,
    /** Days after an exposure within which a purchase counts as its conversion. */
    attributionDays: z.number().positive().max(90).default(7),
    /** Minimum visitors in each group before a report calls a winner. */
    minVisitorsPerGroup: z.number().int().min(1).default(200),
    /** Smallest relative change in conversion rate worth detecting, such as 0.1 for 10%. */
    minimumDetectableEffect: z.number().positive().max(10).default(0.1),
    /** Minutes a preview token from the admin API stays valid. */
    previewMinutes: z.number().int().positive().max(7 * 24 * 60).default(60),
  })
  .strict()
  .default({
    holdoutShare: 0.02,
    caps: {},
    attributionDays: 7,
    minVisitorsPerGroup: 200,
    minimumDetectableEffect: 0.1,
    previewMinutes: 60,
  });

export type OfferSettings = z.infer<typeof offerSettingsSchema>;
