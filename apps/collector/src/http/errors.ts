import type { ErrorCode, ErrorEnvelope, Issue } from '@patron/protocol';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** An error that becomes the JSON error envelope with its status. */
export class HttpError extends Error {
  override name = 'HttpError';

  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ErrorCode,
    message: string,
    readonly issues: Issue[] = [],
  ) {
    super(message);
  }
}

export function errorBody(code: ErrorCode, message: string, issues: Issue[] = []): ErrorEnvelope {
  return { code, message, issues };
}

export function sendError(c: Context, error: HttpError) {
  return c.json(errorBody(error.code, error.message, error.issues), error.status);
}
