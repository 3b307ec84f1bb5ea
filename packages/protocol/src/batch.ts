import { z } from 'zod';
import { epochMillisSchema } from './events.js';
import type { EventInput } from './events.js';
import type { Issue } from './issues.js';
import { limits } from './limits.js';

export const siteKeySchema = z.string().min(1).max(64);

/**
 * The body of `POST /v1/events`. Events are checked one by one after the envelope, so that one
 * invalid event does not reject the others.
 */
export const batchEnvelopeSchema = z.object({
  siteKey: siteKeySchema,
  sentAt: epochMillisSchema,
  events: z
    .array(z.unknown())
    .min(1, 'must contain at least one event')
    .max(limits.maxEventsPerBatch, `must contain at most ${limits.maxEventsPerBatch} events; split the batch`),
  dropped: z.number().int().nonnegative().optional(),
});

/** Body the tracker sends to `POST /v1/events`. */
export interface Batch {
  siteKey: string;
  /** Epoch milliseconds when the client sent the batch, used to correct events from clocks that are off. */
  sentAt: number;
  events: EventInput[];
  /** Events the client discarded since its last delivered batch because its saved queue was full. */
  dropped?: number;
}

/** The collector's response to a batch, sent only after the accepted events are committed. */
export interface BatchResult {
  /** Events stored by this request. */
  accepted: number;
  /** Events already stored earlier (same event id, or a purchase whose transaction id the site has). */
  duplicates: number;
  /** Invalid events, by their index in the batch. They are kept in quarantine, so do not resend them. */
  rejected: Array<{ index: number; issues: Issue[] }>;
}
