import { tiers } from '@patron/priority';
import { z } from 'zod';

/** How a site ranks its visitors when the collector or the shop's servers are overloaded. */
export const prioritySettingsSchema = z
  .object({
    /** Tiers set by the shop, which win over the computed ones, such as a list of B2B accounts. */
    overrides: z
      .array(
        z
          .object({
            /** A customer id as the admin API shows it: "u:<user id>" or "v:<visitor id>". */
            customer: z.string().regex(/^[uv]:.{1,256}$/, 'must be a customer id such as "u:acme-buyer" or "v:<visitor id>"'),
            tier: z.enum(tiers),
          })
          .strict(),
      )
      .default([]),
    /** Minutes a pass stays valid; the tracker gets a fresh one with every offer. */
    passMinutes: z.number().int().min(1).max(7 * 24 * 60).default(60),
  })
  .strict()
  .default({ overrides: [], passMinutes: 60 });

export type PrioritySettings = z.infer<typeof prioritySettingsSchema>;
