import type { z } from 'zod';

/** One validation problem: where it is (a dotted path such as "items.0.price") and what to change. */
export interface Issue {
  path: string;
  message: string;
}

/** Flattens zod issues into path + message pairs, with `prefix` placed before every path. */
export function toIssues(error: z.ZodError, prefix: Array<string | number> = []): Issue[] {
  return error.issues.map((issue) => ({
    path: [...prefix, ...issue.path].map(String).join('.'),
    message: issue.message,
  }));
}
