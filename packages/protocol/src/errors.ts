import type { Issue } from './issues.js';

/** Stable machine codes of the collector's HTTP errors. */
export type ErrorCode =
  | 'invalid_json'
  | 'invalid_body'
  | 'unsupported_media_type'
  | 'payload_too_large'
  | 'site_not_found'
  | 'origin_not_allowed'
  | 'unauthorized'
  | 'conflict'
  | 'database_busy'
  | 'overloaded'
  | 'rate_limited'
  | 'request_timeout'
  | 'invalid_query'
  | 'not_found'
  | 'internal_error';

/** The body of every HTTP error the collector returns. */
export interface ErrorEnvelope {
  code: ErrorCode;
  /** Description of the failure and its fix, for a person. */
  message: string;
  issues: Issue[];
}
