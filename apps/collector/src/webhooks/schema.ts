import { z } from 'zod';

/** The moments of a customer's journey that a webhook can subscribe to. */
export const webhookEvents = [
  'cart.abandoned',
  'customer.first_purchase',
  'customer.segment_changed',
  'customer.tier_changed',
  'customer.lapsing',
  'offer.converted',
] as const;

export type WebhookEvent = (typeof webhookEvents)[number];

const secretSchema = z
  .string()
  .refine((value) => (value.startsWith('env:') ? /^env:[A-Za-z_][A-Za-z0-9_]*$/.test(value) : value.length >= 24), {
    message: 'must be at least 24 characters, or "env:NAME" to read it from the environment variable NAME',
  });

export const webhookConfigSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be 1 to 64 lowercase letters, digits or "-", such as "crm"'),
    url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL, such as "https://crm.example/hooks/patron"' }),
    events: z.array(z.enum(webhookEvents)).min(1),
    /** Key of the HMAC signature the receiver checks; "env:NAME" reads it from the environment. */
    secret: secretSchema,
  })
  .strict();

export type WebhookConfig = z.infer<typeof webhookConfigSchema>;

export const webhookSettingsSchema = z
  .object({
    /** Hours after which a delivery that still fails is given up and marked failed. */
    giveUpAfterHours: z.number().positive().max(24 * 30).default(24),
    /** Seconds to wait for a receiver's response before counting the attempt as timed out. */
    timeoutSeconds: z.number().positive().max(120).default(10),
    /** Probability of being active below which a customer counts as lapsing, from 0 to 1. */
    lapsingBelow: z.number().min(0).max(1).default(0.3),
    /** Hours after abandonment within which a cart is still announced; older carts are not. */
    abandonedCartWindowHours: z.number().positive().max(24 * 30).default(24),
  })
  .strict()
  .default({ giveUpAfterHours: 24, timeoutSeconds: 10, lapsingBelow: 0.3, abandonedCartWindowHours: 24 });

export type WebhookSettings = z.infer<typeof webhookSettingsSchema>;
