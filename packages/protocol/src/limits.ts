/** Limits of the wire format, shared by the collector's validation and its error messages. */
export const limits = {
  /** Largest accepted request body, in bytes. */
  maxBodyBytes: 512 * 1024,
  /** Maximum number of events in one batch. */
  maxEventsPerBatch: 500,
  /** Maximum number of items in one event. */
  maxItemsPerEvent: 200,
  /** Maximum number of keys in `props` or `traits`. */
  maxProperties: 50,
  maxIdLength: 64,
  maxUrlLength: 2048,
  maxTextLength: 512,
} as const;
